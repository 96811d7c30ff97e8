"""Shared fixtures: an isolated data/cache dir for the whole run, one warm grader (two workers) for all
tests that grade in-process, and the TUI tests' content pack, progress store and workspace."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tui_support import write_content, write_spotter

from grader.course.progress import ProgressStore
from grader.report import Report

if TYPE_CHECKING:
    from grader.grading import Grader

_SANDBOX = Path(tempfile.mkdtemp(prefix="forwardlab-tests-"))
os.environ["FORWARDLAB_DATA_DIR"] = str(_SANDBOX / "data")
os.environ["FORWARDLAB_CACHE_DIR"] = str(_SANDBOX / "cache")

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
EXPECT = re.compile(r"^# expect: (pass|not-started|fail (\S+) (.+))$", re.M)


@pytest.fixture(scope="session")
def grader_session() -> Iterator[Grader]:
    from grader.grading import Grader

    with Grader(jobs=2) as grader:
        yield grader


@pytest.fixture(scope="session")
def grade(grader_session: Grader) -> Callable[[str, Path], Report]:
    """grade(exercise_id, path) -> Report. The first request for an exercise grades every file of
    tests/submissions/<exercise>/ with it, as one batch on both warm workers; later requests for
    those files read the result."""
    graded: dict[Path, Report] = {}

    def run(exercise_id: str, path: Path) -> Report:
        path = Path(path).resolve()
        if path not in graded:
            batch = [path, *(p.resolve() for p in sorted(SUBMISSIONS.glob(f"{exercise_id}/*.py"))
                             if p.resolve() not in graded and p.resolve() != path)]
            graded.update(zip(batch, grader_session.check(exercise_id, batch), strict=True))
        return graded[path]
    return run


def expectation(path: Path) -> tuple[str, str | None, str | None]:
    """(status, category, message fragment) from the file's `# expect:` line."""
    match = EXPECT.search(path.read_text())
    assert match, f"{path} has no '# expect: pass|not-started|fail CATEGORY message' line"
    if match.group(2):
        return "fail", match.group(2), match.group(3).strip()
    return match.group(1), None, None


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    return write_content(tmp_path / "content")


@pytest.fixture
def modes_content(content_dir: Path) -> Path:
    """The content pack with a pitfall spotter too (for the practice modes)."""
    return write_spotter(content_dir)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProgressStore]:
    store = ProgressStore(tmp_path / "data" / "progress.sqlite3")
    yield store
    store.close()


@pytest.fixture
def workspace(tmp_path: Path, content_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the cwd, holding the content pack and a learner workspace with exercise1's file.

    The pack is also put on FORWARDLAB_CONTENT_PATH so that grader.api (hints) can see its exercise.
    """
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "exercise1.py").write_text("# the learner's file\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FORWARDLAB_CONTENT_PATH", str(content_dir))
    monkeypatch.setenv("FORWARDLAB_WORKSPACE", str(tmp_path))
    return tmp_path
