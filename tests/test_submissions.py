"""Every file in tests/submissions/exerciseN/ is graded and must get the verdict its header declares.

A wrong submission declares `# expect: fail CATEGORY fragment`: its FIRST failing check must be in
CATEGORY and its message must contain the fragment (case-insensitive). A correct one declares
`# expect: pass` and must pass every check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SUBMISSIONS, expectation

FILES = sorted(SUBMISSIONS.glob("exercise*/*.py"))


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_submission_verdict(grade, path: Path) -> None:
    status, category, fragment = expectation(path)
    report = grade(path.parent.name, path)
    failures = [f"{c.id} [{c.category}]: {c.message}" for c in report.checks if c.status == "fail"]
    assert report.status == status, f"expected {status}, got {report.status}: {failures}"
    if status == "fail":
        first = report.first_failure
        assert first.category == category, f"first failure is {first.id} [{first.category}], expected {category}: {failures}"
        assert fragment.lower() in first.message.lower(), f"{fragment!r} not in {first.message!r}"
        assert first.hint, "a failing check must carry a hint"
    if status == "pass":
        assert all(c.status == "pass" for c in report.checks)
