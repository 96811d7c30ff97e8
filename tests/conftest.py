"""Shared fixtures: an isolated data/cache dir for the whole run, and one warm grader for all tests."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest

_SANDBOX = Path(tempfile.mkdtemp(prefix="forwardlab-tests-"))
os.environ["FORWARDLAB_DATA_DIR"] = str(_SANDBOX / "data")
os.environ["FORWARDLAB_CACHE_DIR"] = str(_SANDBOX / "cache")

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
EXPECT = re.compile(r"^# expect: (pass|not-started|fail (\S+) (.+))$", re.M)


@pytest.fixture(scope="session")
def grader_session():
    from grader.engine import Grader

    with Grader(jobs=2) as grader:
        yield grader


@pytest.fixture(scope="session")
def grade(grader_session):
    """grade(exercise_id, path) -> Report, on the session's warm zygotes."""
    def run(exercise_id: str, path: Path, device: str = "cpu"):
        prep = grader_session.prepared(exercise_id, device)
        return grader_session.grade(prep, Path(path), str(path))
    return run


def expectation(path: Path) -> tuple[str, str | None, str | None]:
    """(status, category, message fragment) from the file's `# expect:` line."""
    match = EXPECT.search(path.read_text())
    assert match, f"{path} has no '# expect: pass|not-started|fail CATEGORY message' line"
    if match.group(2):
        return "fail", match.group(2), match.group(3).strip()
    return match.group(1), None, None
