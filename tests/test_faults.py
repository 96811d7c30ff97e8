"""Fault injection: broken content and a damaged or contended progress store.

Content: each fault, planted in an otherwise valid pack, is reported as `file:line: ...` by
`grader content check DIR` (and by load_course), nothing raises, everything else still loads,
and the TUI lists the problem while the rest of the course still opens. A fuzz test mangles two
files of a pack at once (so cross-file rules are hit too) and asserts the same.

Store: a writer killed with SIGKILL mid-loop loses nothing it committed; a corrupt, truncated or
misplaced database is moved aside with a notice (`grader list` prints it on stderr) and a fresh
one works; two processes writing at once lose no update.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_content_loader import quiz_text
from tui_support import BROKEN, EXERCISE, LESSON, QUIZ, fake_factory, run_async, write_content

from grader.course.content import load_course
from grader.course.progress import ProgressStore

# --- content -------------------------------------------------------------------------------

ALIAS_BOMB = "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefg", "bcdefgh", strict=False))
# name -> (file in the pack, its text, line, message fragment)
FAULTS = {
    "malformed-yaml": ("lessons/malformed.yaml", "kind: lesson\nid: malformed\ntitle: [unclosed\nsummary: s\n", 4,
                       "malformed YAML"),
    "unknown-key": ("lessons/typo.yaml", BROKEN, 6, "unknown key 'sectons'"),
    "duplicate-id": ("lessons/zz-again.yaml", LESSON, 2, "duplicate lesson id 'forward-basics'"),
    "missing-reference": ("quizzes/orphan.yaml", QUIZ.replace("id: forward-quiz", "id: orphan-quiz")
                          .replace("lesson: forward-basics", "lesson: no-such-lesson"), 4,
                          "unknown lesson 'no-such-lesson'"),
    "missing-section": ("exercises/exercise2.yaml", EXERCISE.replace("exercise1", "exercise2")
                        .replace("forward-basics#bias", "forward-basics#nowhere"), 7, "has no section 'nowhere'"),
    "undecodable-bytes": ("lessons/latin1.yaml", "kind: lesson\nid: latin\ntitle: Caf\xe9\n", 3, "not UTF-8"),
    "wrong-type": ("lessons/typed.yaml",
                   "kind: lesson\nid: typed\ntitle: T\nsummary: s\norder: first\nsections: []\n", 5, "valid integer"),
    "missing-field": ("lessons/short.yaml", "kind: lesson\nid: short\ntitle: T\n", 1, "missing required field"),
    "unknown-kind": ("lessons/kind.yaml", "kind: lessson\nid: k\n", 1, "unknown kind 'lessson'"),
    "not-a-mapping": ("lessons/list.yaml", "- just\n- a list\n", 1, "expected a mapping"),
    "empty-file": ("lessons/empty.yaml", "", 1, "expected a mapping"),
    "two-documents": ("lessons/two.yaml", "kind: lesson\n---\nkind: quiz\n", 2, "malformed YAML"),
    "binary-garbage": ("lessons/garbage.yaml", "\0\x01\x02kind: \x7f\x00", 1, "malformed YAML"),
    "deep-nesting": ("lessons/deep.yaml", "kind: lesson\nid: deep\nx: " + "[" * 1500 + "]" * 1500 + "\n", 1, ""),
    "alias-bomb": ("lessons/bomb.yaml", "kind: lesson\nid: bomb\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                   + ALIAS_BOMB + "title: T\nsummary: s\norder: 3\nsections: [{id: s, title: S, takeaways: *h}]\n", 9,
                   "valid string"),  # an alias's items are reported where the anchored list is written
}


def plant(root: Path, name: str) -> Path:
    """A valid pack (lesson, quiz, exercise) with one fault planted; returns the faulty file."""
    write_content(root)
    relative, text, _, _ = FAULTS[name]
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if name == "undecodable-bytes":
        path.write_bytes(text.encode("latin-1"))
    else:
        path.write_text(textwrap.dedent(text) if text.startswith(" ") else text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", FAULTS)
def test_content_fault_is_reported_with_file_and_line(tmp_path: Path, name: str, capsys) -> None:
    from grader.cli import main

    path = plant(tmp_path / "pack", name)
    _, _, line, fragment = FAULTS[name]
    course = load_course([tmp_path / "pack"])  # never raises
    mine = [p for p in course.problems if p.file == str(path)]
    assert mine, course.problems
    assert any(p.line == line and fragment in p.message for p in mine), [str(p) for p in mine]
    # the rest of the pack still loads (a duplicate keeps the first copy)
    assert "forward-basics" in {lesson.id for lesson in course.lessons}
    assert "exercise1" in course.exercises
    assert main(["content", "check", str(tmp_path / "pack")]) == 1  # what `grader content check DIR` prints
    out = capsys.readouterr().out
    assert f"{path}:{line}: " in out and fragment in out


def test_content_check_command_exit_codes(tmp_path: Path) -> None:
    """The real command: 1 and file:line lines for a broken pack, 0 and the summary once it is fixed."""
    path = plant(tmp_path / "pack", "unknown-key")
    run = lambda: subprocess.run([sys.executable, "-m", "grader", "content", "check", str(tmp_path / "pack")],  # noqa: E731
                                 capture_output=True, text=True, timeout=60)
    done = run()
    assert done.returncode == 1 and f"{path}:6: sectons: unknown key 'sectons'" in done.stdout
    path.unlink()
    # the fixture's two-question quiz breaks an authoring rule; one of twelve questions does not
    (tmp_path / "pack" / "quizzes" / "forward-quiz.yaml").write_text(
        quiz_text(quiz_id="forward-quiz", lesson="forward-basics", section="forward-basics#overview"))
    done = run()
    assert done.returncode == 0 and done.stdout.strip() == "1 lesson, 1 quiz (12 questions), 1 exercise"


@run_async
async def test_tui_lists_every_fault_and_the_rest_opens(tmp_path: Path, store: ProgressStore) -> None:
    from tui.app import ForwardLabApp
    from tui.screens.lesson_screen import LessonScreen

    pack = tmp_path / "pack"
    planted = {name: plant(pack, name) for name in FAULTS}
    _, factory = fake_factory(store)
    app = ForwardLabApp(store, content_dirs=[pack], grading_client=factory)
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.pause()
        problems = str(app.screen.query_one("#problem-list").render())
        for name, path in planted.items():
            assert f"{path.name}:{FAULTS[name][2]}: " in problems, name
        app.open_item("lesson", "forward-basics")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)


# A fuzz over two files at once: one mangled, the other intact or mangled too, so that the
# course-wide rules (duplicates, cross-references) meet broken input as well.
PACK = {"lessons/forward-basics.yaml": LESSON, "quizzes/forward-quiz.yaml": QUIZ, "exercises/exercise1.yaml": EXERCISE}
NOISE = st.text(alphabet=":-[]{}#&*!|>'\"\n\t ?%@`,0123456789abyes\\\xe9", max_size=10)


@st.composite
def mangled(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["delete", "insert", "retarget"]))
        if op == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 30)):]
        elif op == "insert":
            text = text[:i] + draw(NOISE) + text[i:]
        else:  # point a reference or an id somewhere else
            target = draw(st.sampled_from(["forward-basics", "forward-basics#bias", "x#y", "exercise1", ""]))
            text = re.sub(r"(lesson|section|id): \S+", lambda m, t=target: f"{m.group(1)}: {t}", text, count=1)
    return text


FUZZ_EXAMPLES = 300


@settings(max_examples=FUZZ_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_fuzzed_pack_never_raises(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    for name, text in PACK.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data.draw(mangled(textwrap.dedent(text)), label=name), encoding="utf-8")
    course = load_course([root])  # never raises: whatever is wrong is a Problem with its file and line
    for problem in course.problems:
        assert problem.line >= 1 and Path(problem.file).is_relative_to(root)
        assert re.match(r"^/\S+\.yaml:\d+: \S", str(problem))
    assert len(course.lessons) + len(course.quizzes) + len(course.exercises) <= len(PACK)


# --- the progress store --------------------------------------------------------------------

WRITER = """
import sys
from grader.course.progress import ProgressStore
store = ProgressStore(sys.argv[1])
for i in range(int(sys.argv[2])):
    store.record_check({"exercise": sys.argv[3], "file": f"f{i}.py", "status": "fail", "checks": []})
    store.next_hint_index(sys.argv[3] + "-hints", 10**9)
    print(i + 1, flush=True)
"""


def writer(db: Path, rows: int, exercise: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(rows), exercise], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})


def test_sigkill_mid_write_loses_nothing_committed(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    proc = writer(db, 10**6, "exercise2")
    committed = 0
    while committed < 200:
        committed = int(proc.stdout.readline())
    proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no chance to finish the write
    proc.wait()
    store = ProgressStore(db)
    assert store.notice is None
    assert len(store.check_history("exercise2")) >= committed
    assert store.hints_shown("exercise2-hints") >= committed
    store.record_check({"exercise": "exercise2", "file": "after.py", "status": "pass", "checks": []})
    assert store.exercise_status("exercise2") == "passed"


def test_two_writers_at_once_lose_no_update(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    ProgressStore(db).close()
    rows = 150
    procs = [writer(db, rows, "exercise3") for _ in range(2)]
    for proc in procs:
        proc.communicate(timeout=120)
        assert proc.returncode == 0
    store = ProgressStore(db)
    assert len(store.check_history("exercise3")) == 2 * rows
    assert store.hints_shown("exercise3-hints") == 2 * rows  # read-modify-write increments, none lost


def _valid_store(db: Path) -> None:
    store = ProgressStore(db)
    for i in range(300):
        store.record_answer("quiz", f"q{i}", "A", True)
    store.close()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


DAMAGE = {
    "garbage": lambda db: db.write_bytes(b"this is not a database" * 100),
    "truncated": lambda db: db.write_bytes(db.read_bytes()[: db.stat().st_size // 2]),
    "zeroed-header": lambda db: db.write_bytes(b"\0" * 100 + db.read_bytes()[100:]),
    "directory": lambda db: (db.unlink(), db.mkdir()),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_store_is_moved_aside_with_a_notice(tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch,
                                                   capsys) -> None:
    from grader.cli import main

    db = tmp_path / "progress.sqlite3"
    _valid_store(db)
    DAMAGE[damage](db)
    monkeypatch.setenv("FORWARDLAB_DATA_DIR", str(tmp_path))
    assert main(["list", "--json"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("notice: progress store") and "moved it to" in err
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert aside, list(tmp_path.iterdir())  # never deleted: the learner's data can still be rescued
    store = ProgressStore(db)
    assert store.notice is None and store.answers() == []
    store.record_answer("quiz", "q", "B", False)
    assert len(store.answers()) == 1


def test_garbage_wal_file_loses_nothing(tmp_path: Path) -> None:
    """A WAL file that is junk (a crash mid-write of it) is ignored by SQLite: committed rows stay."""
    db = tmp_path / "progress.sqlite3"
    _valid_store(db)
    Path(f"{db}-wal").write_bytes(os.urandom(8192))
    store = ProgressStore(db)
    assert store.notice is None and len(store.answers("quiz")) == 300
