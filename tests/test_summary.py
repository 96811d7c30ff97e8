"""A class's batch at a glance: `--format summary` over the test submissions, and identical
submissions (same code but for comments, docstrings, local names and layout) graded once, each copy
still getting its own report, told at its own lines, in every format."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

from conftest import SUBMISSIONS
from junitparser import JUnitXml

from grader.output.formats import render
from grader.output.summary import to_summary
from grader.sources.same import fingerprint, line_map

ORIGINAL = '''import torch
from torch import nn


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        hidden = self.relu(self.fc1(self.flatten(x)))
        scores = self.fc2(hidden)
        return scores.view(-1, 5, 2).sum(dim=3)
'''
# the same code: a docstring, comments, blank lines, other local names and spacing
COPY = '''"""My digit classifier."""
import torch
from torch import nn

class DigitClassifier(nn.Module):
    """Flatten, fc1, ReLU, fc2."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        # hidden layer
        h = self.relu(self.fc1(self.flatten(x)))

        out = self.fc2( h )
        return out.view(-1, 5, 2).sum(dim=3)  # raises: there is no dim 3
'''


def test_same_code_but_for_what_cannot_change_behaviour() -> None:
    assert fingerprint(ORIGINAL) == fingerprint(COPY)
    assert line_map(ORIGINAL, COPY)[16] == 20
    for changed in (COPY.replace("self.fc2( h )", "self.fc1( h )"),  # another attribute
                    COPY.replace("forward(self, x)", "forward(self, inp)").replace("flatten(x)", "flatten(inp)"),
                    COPY.replace("class DigitClassifier", "class Classifier")):
        assert fingerprint(changed) != fingerprint(ORIGINAL)
    # a renamed local that another name would then mean: `k` read inside the lambda is the global k
    assert fingerprint("def f(x):\n    h = 1\n    g = lambda h: h\n    return g(x)\n") != \
        fingerprint("def f(x):\n    k = 1\n    g = lambda h: k\n    return g(x)\n")
    # code that reads its variables by name keeps their names
    assert fingerprint("def f():\n    a = 1\n    return eval('a')\n") != \
        fingerprint("def f():\n    b = 1\n    return eval('a')\n")
    assert fingerprint("def f(:\n") is None


def test_identical_submissions_are_graded_once_and_told_at_their_own_lines(grader_session, tmp_path: Path) -> None:
    (tmp_path / "original.py").write_text(ORIGINAL)
    (tmp_path / "copy.py").write_text(COPY)
    (tmp_path / "other.py").write_text(ORIGINAL.replace("return scores.view(-1, 5, 2).sum(dim=3)", "return scores"))
    files = [tmp_path / "original.py", tmp_path / "copy.py", tmp_path / "other.py"]
    graded: list[str] = []
    original, copy, other = grader_session.check("exercise2", files, on_done=lambda r: graded.append(r.file))
    assert sorted(graded) == sorted(map(str, files))  # progress still counts every file
    assert (original.same_as, copy.same_as, other.same_as) == (None, str(files[0]), None)
    assert other.status == "pass" and original.status == copy.status == "fail"
    assert [(c.id, c.status) for c in copy.checks] == [(c.id, c.status) for c in original.checks]
    assert "line 16, in forward: return scores.view(-1, 5, 2).sum(dim=3)" in original.first_failure.message
    assert "line 20, in forward: return out.view(-1, 5, 2).sum(dim=3)  # raises" in copy.first_failure.message

    batch = [original, copy, other]
    assert json.loads(render(batch, "json", True))[1]["same_as"] == str(files[0])
    assert "same_as" not in json.loads(render(batch, "json", True))[0]
    rows = list(csv.DictReader(io.StringIO(render(batch, "csv", True))))
    assert [row["same_as"] for row in rows] == ["", str(files[0]), ""]
    suites = list(JUnitXml.fromstring(render(batch, "junit", True)))
    assert [p.value for p in suites[1].properties() if p.name == "same_as"] == [str(files[0])]
    assert json.loads(render(batch, "gradescope", True))[1]["extra_data"]["same_as"] == str(files[0])
    summary = to_summary(batch, {})
    assert "2 graded: 1 was the same code as another submission" in summary
    assert f"2 files, FAIL: {files[0]}, {files[1]}" in summary


def test_summary_of_the_test_submissions(grade) -> None:
    files = sorted(SUBMISSIONS.glob("exercise2/*.py"))
    reports = [grade("exercise2", path) for path in files]
    summary = to_summary(reports, {})
    passed = sum(r.status == "pass" for r in reports)
    total = len(reports)
    assert summary.splitlines()[0].startswith(f"exercise2: {passed} of {total} submissions pass "
                                              f"({100 * passed / total:.0f}%)")
    named = Counter(m for r in reports for m in {c.mistake for c in r.failed if c.mistake})
    assert named, "the test submissions include named mistakes"
    top, count = named.most_common(1)[0]
    lines = summary.splitlines()
    mistakes = lines[lines.index("most common named mistakes:"):]
    line = next(i for i, text in enumerate(mistakes) if top in text)
    assert mistakes[line].strip() == f"{count} of {total}: {top}"
    example = next(r for r in reports if any(c.mistake == top for c in r.failed))
    assert Path(example.file).name in mistakes[line + 1]
    values = [r for r in reports if any(c.id == "values/reference" for c in r.failed)]
    assert f"{len(values)} of {total}: values/reference (values)" in summary
    print(summary)  # what an instructor sees, in the test log (pytest -s)
