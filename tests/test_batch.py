"""Batch grading: submissions that hang, crash, exit early, exhaust memory or kill their worker fail
alone; every other submission still gets its right verdict; the report is complete, in file order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
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
    for report, (name, (_, status, category)) in zip(reports, BATCH.items(), strict=True):
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
    """If running one file raises (twice, the second time on a fresh worker), that file gets a failing
    report saying so, and nothing is raised: single checks and batches alike."""
    from grader.grading import Grader

    closed = []

    def broken(*args, **kwargs):
        raise OSError("no worker")

    zygote = SimpleNamespace(alive=True, run=broken, close=lambda: closed.append(1), wait_ready=lambda: None)
    fake = SimpleNamespace(zygotes=[zygote], sandbox=False, _hidden=[])
    prep = SimpleNamespace(exercise=SimpleNamespace(id="exercise2"), device="cpu", cases={}, plan_path=Path("p"),
                           limits=None, answers=[], checks=[SimpleNamespace(id="load/import", category="load"),
                                                SimpleNamespace(id="values/reference", category="values")])
    report = Grader.grade(fake, prep, Path("x.py"), "x.py")
    assert report.status == "fail" and report.file == "x.py" and len(closed) == 2
    assert [c.status for c in report.checks] == ["fail", "skip"]
    assert "OSError: no worker" in report.checks[0].message


def test_once_a_batch_is_stopping_a_lost_worker_is_not_replaced() -> None:
    """Ctrl-C closes the batch's zygotes under the jobs in flight: a job whose zygote is gone must not
    start a fresh one and run to its time limit (the batch then outlived Ctrl-C by that long)."""
    import threading

    from grader.grading import Grader

    started, closed = [], []

    def lost():
        closed.append(1)
        raise OSError("zygote killed")

    zygote = SimpleNamespace(alive=False, close=lambda: closed.append(1), wait_ready=lost)
    fake = SimpleNamespace(zygotes=[zygote], sandbox=False, _hidden=[])
    prep = SimpleNamespace(exercise=SimpleNamespace(id="exercise2"), device="cpu", cases={}, plan_path=Path("p"),
                           limits=None, answers=[], checks=[SimpleNamespace(id="load/import", category="load")])
    stopping = threading.Event()
    stopping.set()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("grader.grading.start_worker", lambda sandbox: started.append(1) or zygote)
        report = Grader.grade(fake, prep, Path("x.py"), "x.py", stopping=stopping)
    assert started == [] and report.status == "fail" and "the batch was stopped" in report.checks[0].message


def test_ctrl_c_inside_an_import_that_swallows_it_still_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """C code run by an import may swallow KeyboardInterrupt (torch's NumPy set-up does, during `import
    torch`, and the grader then ran each job to its time limit): within an import the interrupt waits,
    and lands once the import is done."""
    import importlib
    import time

    from grader.cli import interrupts_outside_imports

    (tmp_path / "swallows_interrupts.py").write_text(
        "import signal, time\n"
        "try:\n"
        "    signal.raise_signal(signal.SIGINT)\n"
        "    time.sleep(0.3)\n"
        "except KeyboardInterrupt:\n"
        "    pass  # lost, as in C code that clears the error\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt), interrupts_outside_imports():
        importlib.import_module("swallows_interrupts")
        time.sleep(30)  # a blocking wait, as for a worker to start: the interrupt must wake it
    assert time.monotonic() - start < 20, "the interrupt landed only when the wait ended"


def test_a_worker_that_dies_mid_job_gives_the_next_job_a_fresh_one(tmp_path: Path, grader_session) -> None:
    """The worker is killed from outside while a job runs: that job fails saying so; the next passes."""
    import threading
    import time

    slow = tmp_path / "slow.py"
    slow.write_text(HEAD.format(body="import time; time.sleep(30)"))
    correct = tmp_path / "correct.py"
    correct.write_text(HEAD.format(body="pass"))
    prep = grader_session.prepared("exercise2", "cpu")
    first = grader_session.zygotes[0]

    def kill_when_busy() -> None:
        while not first.busy:
            time.sleep(0.05)
        time.sleep(1.0)
        first.proc.kill()

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    lost = grader_session.grade(prep, slow, "slow.py", slot=0)
    killer.join()
    assert lost.status == "fail" and "took down the grading worker" in lost.first_failure.message
    assert grader_session.grade(prep, correct, "correct.py", slot=0).status == "pass"
    assert grader_session.zygotes[0] is not first and grader_session.zygotes[0].alive


def test_ctrl_c_stops_a_batch_at_once_and_leaves_nothing_running(tmp_path: Path) -> None:
    """Ctrl-C on a batch of submissions that hang: exit 130 within seconds, not after each one's time
    limit, with every worker and child gone."""
    import os
    import signal
    import time

    files = []
    for n in range(4):  # four different loops: a batch runs identical code once
        (tmp_path / f"hangs{n}.py").write_text(HEAD.format(body=f"while True: x = {n}"))
        files.append(str(tmp_path / f"hangs{n}.py"))
    mark = f"forwardlab-ctrl-c-{os.getpid()}"
    proc = subprocess.Popen([sys.executable, "-m", "grader", "check", "2", *files, "--jobs", "2", "--timeout", "60"],
                            cwd=ROOT, env={**os.environ, "FORWARDLAB_TEST_MARK": mark}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_marked(mark)) < 5 and time.monotonic() < deadline:  # the CLI, two zygotes, a looping child each
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    stopped = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert time.monotonic() - stopped < 15  # far less than the 60 s time limit
    assert _marked(mark) == []


def _marked(mark: str) -> list[int]:
    """Live processes whose environment carries `mark` (zygotes and their children inherit it)."""
    import psutil

    found = []
    for proc in psutil.process_iter():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and proc.environ().get("FORWARDLAB_TEST_MARK") == mark:
                found.append(proc.pid)
        except psutil.Error:
            continue
    return found


@pytest.mark.parametrize("where", ["forward", "backward"])
def test_ctrl_c_while_the_reference_runs_stops_the_grader(where: str) -> None:
    """The runner reports whatever a learner's forward raises, KeyboardInterrupt included; the reference,
    run in the parent, must let Ctrl-C through (it was reported as "the reference raised", exit 2)."""
    import torch

    from grader.isolation.runner import run_case

    class Interrupted(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            raise KeyboardInterrupt

    class Model(torch.nn.Module):
        def forward(self, x):
            if where == "forward":
                raise KeyboardInterrupt
            return Interrupted.apply(x)

    x = torch.ones(2, 3)
    case = {"id": "values/main", "args": [x], "cotangent": torch.ones(2, 3)}
    learner = run_case(Model(), case)
    assert (learner["error"] or learner["grad_error"])["type"] == "KeyboardInterrupt"
    with pytest.raises(KeyboardInterrupt):
        run_case(Model(), case, observe=False)
