"""The learner's progress store: SQLite in the platform's user data dir, shared by `grader` and the TUI.

Every write is one transaction; WAL mode and a busy timeout let the TUI and `grader watch` write at
the same time. A file that is not a readable database is moved aside (never deleted) and a fresh
store is created; `ProgressStore.notice` then says where the old file went.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from grader.course import review

DATA_DIR_ENV = "FORWARDLAB_DATA_DIR"

SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY, exercise TEXT NOT NULL, file TEXT NOT NULL, status TEXT NOT NULL,
    passed INTEGER NOT NULL, total INTEGER NOT NULL, duration_s REAL NOT NULL,
    report TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS checks_exercise ON checks(exercise, at);
CREATE TABLE IF NOT EXISTS hints (exercise TEXT PRIMARY KEY, shown INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, item TEXT NOT NULL, answer TEXT NOT NULL,
    correct INTEGER NOT NULL, at REAL NOT NULL, shown TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS answers_item ON answers(kind, item, at);
CREATE TABLE IF NOT EXISTS positions (item TEXT PRIMARY KEY, position TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS review (
    item TEXT PRIMARY KEY, box INTEGER NOT NULL, due REAL NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS activity (
    id INTEGER PRIMARY KEY, item TEXT NOT NULL, seconds REAL NOT NULL, at REAL NOT NULL);
"""


def default_store_path() -> Path:
    """`$FORWARDLAB_DATA_DIR/progress.sqlite3`, else the platform's user data dir."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override) / "progress.sqlite3"
    from platformdirs import user_data_path

    return user_data_path("forwardlab", appauthor=False) / "progress.sqlite3"


class Answer(NamedTuple):
    """One recorded answer. `answer` names the options chosen by their place in the content ("A,C"),
    whatever order they were shown in; `shown` is that order ("2,0,1": the content's option 2 was
    shown first), or "" when the options were shown as written."""

    kind: str
    item: str
    answer: str
    correct: bool
    at: float
    shown: str


@dataclass(frozen=True)
class CheckRecord:
    exercise: str
    file: str
    status: str
    passed: int
    total: int
    at: float


class ProgressStore:
    """All reads and writes of learner progress. Safe to open from several processes at once."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.notice: str | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = self._open()
        except sqlite3.DatabaseError as err:
            self._conn = self._recreate(err)

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            conn.executescript(SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(answers)")}
            if "shown" not in columns:  # a store written before options were shuffled
                conn.execute("ALTER TABLE answers ADD COLUMN shown TEXT NOT NULL DEFAULT ''")
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def _recreate(self, err: sqlite3.DatabaseError) -> sqlite3.Connection:
        aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                src.replace(Path(str(aside) + suffix))
        self.notice = f"progress store {self.path} was unreadable ({err}); moved it to {aside} and started a new one"
        return self._open()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: writers queue on the busy timeout instead of failing."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # --- exercises -------------------------------------------------------------------------
    def record_check(self, report_dict: dict) -> None:
        checks = report_dict.get("checks", [])
        with self.transaction() as db:
            db.execute(
                "INSERT INTO checks(exercise, file, status, passed, total, duration_s, report, at)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (report_dict["exercise"], report_dict["file"], report_dict["status"],
                 sum(c["status"] == "pass" for c in checks), len(checks),
                 float(report_dict.get("duration_s", 0.0)), json.dumps(report_dict), time.time()),
            )
            if report_dict["status"] in ("pass", "fail"):  # a stub not started yet is nothing to review
                self._reschedule(db, f"exercise:{report_dict['exercise']}", report_dict["status"] == "pass")

    def exercise_status(self, exercise: str) -> str:
        """'passed' if any check ever passed, else the latest status ('fail', 'not-started'), else 'new'."""
        db = self._conn
        if db.execute("SELECT 1 FROM checks WHERE exercise=? AND status='pass' LIMIT 1", (exercise,)).fetchone():
            return "passed"
        row = db.execute("SELECT status FROM checks WHERE exercise=? ORDER BY at DESC, id DESC LIMIT 1",
                         (exercise,)).fetchone()
        return row[0] if row else "new"

    def latest_check(self, exercise: str) -> dict | None:
        row = self._conn.execute("SELECT report FROM checks WHERE exercise=? ORDER BY at DESC, id DESC LIMIT 1",
                                 (exercise,)).fetchone()
        return json.loads(row[0]) if row else None

    def check_history(self, exercise: str | None = None) -> list[CheckRecord]:
        sql = "SELECT exercise, file, status, passed, total, at FROM checks"
        args: tuple = ()
        if exercise:
            sql, args = sql + " WHERE exercise=?", (exercise,)
        return [CheckRecord(*row) for row in self._conn.execute(sql + " ORDER BY at, id", args)]

    def next_hint_index(self, exercise: str, available: int) -> int:
        """Reveal one more hint (up to `available`) and return how many are now shown."""
        with self.transaction() as db:
            row = db.execute("SELECT shown FROM hints WHERE exercise=?", (exercise,)).fetchone()
            shown = min((row[0] if row else 0) + 1, available)
            db.execute("INSERT INTO hints(exercise, shown) VALUES (?,?) ON CONFLICT(exercise) DO UPDATE SET shown=?",
                       (exercise, shown, shown))
        return shown

    def hints_shown(self, exercise: str) -> int:
        row = self._conn.execute("SELECT shown FROM hints WHERE exercise=?", (exercise,)).fetchone()
        return row[0] if row else 0

    # --- quizzes, predictions, myths, pitfalls --------------------------------------------
    def record_answer(self, kind: str, item: str, answer: str, correct: bool, shown: str = "") -> None:
        """Record one answer (see `Answer`); it also feeds the review schedule."""
        with self.transaction() as db:
            db.execute("INSERT INTO answers(kind, item, answer, correct, at, shown) VALUES (?,?,?,?,?,?)",
                       (kind, item, answer, int(correct), time.time(), shown))
            self._reschedule(db, f"{kind}:{item}", correct)

    def _reschedule(self, db: sqlite3.Connection, item: str, correct: bool) -> None:
        """Feed the review schedule (grader.course.review): wrong answers and failed checks enter it, right
        ones on due items move them on. Inside the caller's transaction."""
        if item.partition(":")[0] not in review.KINDS:
            return
        row = db.execute("SELECT box, due FROM review WHERE item=?", (item,)).fetchone()
        change = review.reschedule(row, correct, date.today())
        if change is not None:
            db.execute("INSERT INTO review(item, box, due, at) VALUES (?,?,?,?) "
                       "ON CONFLICT(item) DO UPDATE SET box=excluded.box, due=excluded.due, at=excluded.at",
                       (item, *change, time.time()))

    def answers(self, kind: str | None = None) -> list[Answer]:
        """Every answer (of `kind`), oldest first."""
        sql = "SELECT kind, item, answer, correct, at, shown FROM answers"
        args: tuple[str, ...] = ()
        if kind:
            sql, args = sql + " WHERE kind=?", (kind,)
        rows = self._conn.execute(sql + " ORDER BY at, id", args)
        return [Answer(k, i, a, bool(c), t, s) for k, i, a, c, t, s in rows]

    # --- reading positions, review schedule, time spent -----------------------------------
    def set_position(self, item: str, position: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO positions(item, position, at) VALUES (?,?,?) "
                       "ON CONFLICT(item) DO UPDATE SET position=excluded.position, at=excluded.at",
                       (item, position, time.time()))

    def position(self, item: str) -> str | None:
        row = self._conn.execute("SELECT position FROM positions WHERE item=?", (item,)).fetchone()
        return row[0] if row else None

    def set_review(self, item: str, box: int, due: float) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO review(item, box, due, at) VALUES (?,?,?,?) "
                       "ON CONFLICT(item) DO UPDATE SET box=excluded.box, due=excluded.due, at=excluded.at",
                       (item, box, due, time.time()))

    def review_items(self) -> dict[str, tuple[int, float]]:
        return {item: (box, due) for item, box, due in self._conn.execute("SELECT item, box, due FROM review")}

    def add_activity(self, item: str, seconds: float) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO activity(item, seconds, at) VALUES (?,?,?)", (item, seconds, time.time()))

    def time_spent(self) -> dict[str, float]:
        return dict(self._conn.execute("SELECT item, SUM(seconds) FROM activity GROUP BY item"))
