"""Batch grading: submissions that hang, crash, exit early, exhaust memory or kill their worker fail
alone; every other submission still gets its right verdict; the report is complete, in file order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from conftest import ROOT

HEAD = """import ctypes
import os

import torch
from torch import nn


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        {body}
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
"""
# file -> (body of forward before the correct return, expected status, category of the first failure)
BATCH = {
    "a_correct.py": ("pass", "pass", None),
    "b_hangs.py": ("while True: pass", "fail", "time"),
    "c_sigkill.py": ("os.kill(os.getpid(), 9)", "fail", "time"),
    "d_segfault.py": ("ctypes.string_at(0)", "fail", "load"),
    "e_exits_early.py": ("os._exit(0)", "fail", "load"),
    "f_out_of_memory.py": ("blocks = [bytearray(50 * 2**20) for _ in range(10**6)]", "fail", None),
    # killing its worker is refused where children run as a uid of their own, else takes the worker down
    "g_kills_worker.py": ("os.kill(os.getppid(), 9)", "fail", None),
    "h_no_relu.py": ("return self.fc2(self.fc1(self.flatten(x)))", "fail", "values"),
    "i_correct.py": ("pass", "pass", None),
}


def test_hostile_batch_fails_alone_and_the_report_is_complete(tmp_path: Path) -> None:
    files = []
    for name, (body, _, _) in BATCH.items():
        (tmp_path / name).write_text(HEAD.format(body=body))
        files.append(str(tmp_path / name))
    out = tmp_path / "report.json"
    result = subprocess.run([sys.executable, "-m", "grader", "check", "2", *files, "--jobs", "2", "--timeout", "6",
                             "--memory", "300", "--format", "json", "--output", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    reports = json.loads(out.read_text())
    assert [r["file"] for r in reports] == files  # complete, in the order given
    for report, (name, (_, status, category)) in zip(reports, BATCH.items(), strict=False):
        failures = [c for c in report["checks"] if c["status"] == "fail"]
        assert report["status"] == status, (name, failures)
        if category:
            assert failures[0]["category"] == category, (name, failures)
    by_name = {Path(r["file"]).name: r for r in reports}
    limits = {c["id"]: c for c in by_name["f_out_of_memory.py"]["checks"]}["time/limits"]
    assert limits["status"] == "fail" and "memory" in limits["message"]
    assert "graded 9/9" in result.stderr  # progress on stderr, plain lines when it is not a terminal
    assert result.stdout == ""


def test_a_grader_failure_becomes_that_submissions_report() -> None:
    """If grading one file raises (twice, the second time on a fresh worker), the batch goes on."""
    from grader.grading import Grader

    closed = []
    fake = SimpleNamespace(grade=lambda *a, **k: (_ for _ in ()).throw(OSError("no worker")),
                           zygotes=[SimpleNamespace(close=lambda: closed.append(1))])
    prep = SimpleNamespace(exercise=SimpleNamespace(id="exercise2"), device="cpu",
                           checks=[SimpleNamespace(id="load/import", category="load"),
                                   SimpleNamespace(id="values/reference", category="values")])
    report = Grader._grade_in_batch(fake, prep, Path("x.py"), "x.py", 0)
    assert report.status == "fail" and report.file == "x.py" and len(closed) == 2
    assert [c.status for c in report.checks] == ["fail", "skip"]
    assert "OSError: no worker" in report.checks[0].message
