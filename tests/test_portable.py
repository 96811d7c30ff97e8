"""The portable isolation (macOS, Windows; FORWARDLAB_ISOLATION=portable on Linux): chosen where it should
be, never forks, judges as the default isolation does and leaves nothing running; Apple's GPUs (MPS) as a
device and as an emulation; `grader doctor`.

The whole submission and hostile suites run in portable mode too: `FORWARDLAB_ISOLATION=portable make
test` (CI does, on every platform); here the default suite keeps one end-to-end run of each.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
import pytest
import torch
from conftest import ROOT, SUBMISSIONS
from torch import nn

from grader.errors import UsageError
from grader.isolation.portable import isolation_mode
from grader.isolation.protocol import ChildOutcome
from grader.isolation.runner import run_case
from grader.isolation.supervisor import windows_status

NOFORK = Path(__file__).resolve().parent / "nofork"  # a sitecustomize that deletes os.fork


@pytest.mark.parametrize(("platform", "value", "mode"), [
    ("linux", "", "fork"), ("darwin", "", "portable"), ("win32", "", "portable"),
    ("linux", "portable", "portable"), ("linux", " Fork ", "fork"), ("darwin", "portable", "portable")])
def test_isolation_mode_follows_the_platform_and_the_variable(monkeypatch: pytest.MonkeyPatch, platform: str,
                                                              value: str, mode: str) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("FORWARDLAB_ISOLATION", value)
    assert isolation_mode() == mode


@pytest.mark.parametrize(("platform", "value", "says"), [("linux", "spawn", "valid: fork (Linux only), portable"),
                                                         ("darwin", "fork", "needs Linux")])
def test_isolation_mode_refuses_what_cannot_run_here(monkeypatch: pytest.MonkeyPatch, platform: str, value: str,
                                                     says: str) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("FORWARDLAB_ISOLATION", value)
    with pytest.raises(UsageError, match=re.escape(says)):
        isolation_mode()


def _probe(tmp_path: Path) -> Path:
    """A correct exercise2 that imports a module next to it, says whether it can fork, and leaves a
    process running (Popen, not fork)."""
    tmp_path.chmod(0o755)  # as a learner's folder is: pytest's are private, which no uid of a job's own can enter
    (tmp_path / "probe_helpers.py").write_text("GREETING = 'sibling module imported'\n")
    probe = tmp_path / "probe.py"
    probe.write_text((SUBMISSIONS / "exercise2" / "correct_modules.py").read_text().replace("# expect: pass", """\
import os, shutil, subprocess, sys
from probe_helpers import GREETING
print(GREETING, "; fork available:", hasattr(os, "fork"))
# sleep, where there is one: a child of its own uid may not reach a private interpreter to run it
subprocess.Popen([shutil.which("sleep"), "60"] if shutil.which("sleep") else [sys.executable, "-c",
                 "import time; time.sleep(60)"])"""))
    return probe


def _verdict(report: dict) -> tuple:
    return report["status"], [(c["id"], c["status"]) for c in report["checks"]]


def test_portable_grader_never_forks_and_judges_as_the_default(tmp_path: Path, grader_session) -> None:
    """`grader check` in portable mode with os.fork deleted from every process (as on Windows): every
    process of the grader ran without fork, the verdicts equal the default isolation's, and nothing the
    submissions started is left running once it exits."""
    files = [SUBMISSIONS / "exercise2" / "correct_modules.py", SUBMISSIONS / "exercise2" / "wrong_no_relu.py",
             _probe(tmp_path)]
    log, mark = tmp_path / "processes.log", uuid.uuid4().hex
    env = {**os.environ, "FORWARDLAB_ISOLATION": "portable", "FORWARDLAB_NOFORK_LOG": str(log),
           "FORWARDLAB_TEST_MARK": mark, "PYTHONPATH": os.pathsep.join([str(NOFORK), str(ROOT)])}
    done = subprocess.run([sys.executable, "-m", "grader", "check", "exercise2", *map(str, files), "--json",
                           "--jobs", "1"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    portable = json.loads(done.stdout)
    default = [r.to_dict() for r in grader_session.check("exercise2", files)]
    assert [_verdict(r) for r in portable] == [_verdict(r) for r in default]
    assert [r["status"] for r in portable] == ["pass", "fail", "fail"]
    probe = next(c for c in portable[2]["checks"] if c["status"] == "fail")
    assert "still running" in probe["message"], probe  # it imported its sibling module: it loaded
    commands = log.read_text().splitlines()
    assert any("-m grader check" in c for c in commands)
    assert sum("grader.isolation.supervisor" in c for c in commands) == 1
    assert sum("grader.isolation.template" in c for c in commands) >= len(files)
    left = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("FORWARDLAB_TEST_MARK") == mark:
                left.append(" ".join(proc.cmdline()))
        except (psutil.Error, OSError):
            continue
    assert left == []


def test_the_tuis_grading_service_runs_on_the_portable_worker(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`grader serve` (what the TUI talks to) in portable mode: warm-up, checks, and a training run whose
    epochs stream while the child runs."""
    from grader.api import GradingClient

    monkeypatch.setenv("FORWARDLAB_ISOLATION", "portable")
    correct = SUBMISSIONS / "exercise2" / "correct_modules.py"
    with GradingClient(tmp_path / "progress.sqlite3") as client:
        client.warm_up()
        assert client.check("2", SUBMISSIONS / "exercise2" / "wrong_no_relu.py").first_failure.category == "values"
        assert client.check("2", correct).status == "pass"
        epochs: list[dict] = []
        result = client.train("2", correct, epochs=2, on_epoch=epochs.append)
    assert result["status"] == "ok", result["error"]
    assert [row["epoch"] for row in epochs] == [1, 2]


def test_a_child_stopped_for_its_memory_is_told_so() -> None:
    """Where the kernel enforces no memory limit (macOS), the supervisor stops the child and says why."""
    from grader.isolation.failure import child_failure
    from grader.isolation.protocol import Limits

    crash, limit = child_failure(Limits(memory_mb=300), ChildOutcome(status=9, memory_exceeded=True), {})
    assert crash is None and limit is not None and "memory limit of 300 MB" in limit


def test_windows_endings_read_as_posix_wait_statuses() -> None:
    """The portable worker words a Windows exit code as a POSIX wait status: crashes as their signal."""
    assert ChildOutcome(status=windows_status(0)).exit_code == 0
    assert ChildOutcome(status=windows_status(70)).exit_code == 70
    assert ChildOutcome(status=windows_status(0xC0000005)).signal == 11  # access violation: SIGSEGV
    assert ChildOutcome(status=windows_status(-1073740791)).signal == 6  # 0xC0000409, abort(): SIGABRT
    assert ChildOutcome(status=9).signal == 9 and ChildOutcome(status=9).exit_code is None


class _Model(nn.Module):
    def __init__(self, make: str) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.make = make

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.make == "float64":
            return self.fc(x) + torch.ones(3, device=x.device, dtype=torch.float64).to(x.dtype)
        if self.make == "named":
            return self.fc(x) + torch.ones(3, device="mps")
        if self.make == "device":
            return self.fc(x) + torch.ones(3, device=x.device, dtype=x.dtype) * float(x.is_mps)
        return self.fc(x)


@pytest.mark.parametrize(("make", "kind", "violation"), [
    ("plain", "mps", None), ("device", "mps", None), ("float64", "mps", "Apple's MPS has no float64"),
    ("float64", "meta", None), ("named", "mps", "hard-codes device='mps'"),
    ("named", "meta", "hard-codes device='mps'")])
def test_the_device_emulator_catches_what_fails_on_an_apple_gpu(make: str, kind: str, violation: str | None) -> None:
    """As MPS, x.device and x.is_mps say mps; float64 on the device and a device named outright are
    violations; the same float64 is fine on the generic emulated device."""
    case = {"id": "c", "args": [torch.randn(2, 4)], "device": "emulated:mps" if kind == "mps" else "emulated"}
    torch.manual_seed(0)
    obs = run_case(_Model(make), case)
    assert obs["error"] is None
    found = "; ".join(obs["device_violations"])
    assert (violation in found) if violation else found == ""
    if make == "device" and kind == "mps":  # x.is_mps was True: ones were added
        torch.manual_seed(0)
        plain = run_case(_Model("plain"), case)["output"]
        torch.testing.assert_close(obs["output"], plain + 1)


def test_auto_device_prefers_cuda_then_mps(monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.judging import prepare

    monkeypatch.setattr(prepare, "available_gpus", lambda: ["mps"])
    assert prepare.resolve_device("auto") == "mps" and prepare.resolve_device("mps") == "mps"
    with pytest.raises(UsageError, match="no CUDA device is available here; valid: cpu, auto, mps"):
        prepare.resolve_device("cuda")
    monkeypatch.setattr(prepare, "available_gpus", lambda: [])
    assert prepare.resolve_device("auto") == "cpu"
    with pytest.raises(UsageError, match="no Apple GPU"):
        prepare.resolve_device("mps")


def test_doctor_says_which_isolation_and_what_it_enforces(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from grader.commands.doctor_cmd import diagnose, text

    monkeypatch.setenv("FORWARDLAB_ISOLATION", "portable")
    monkeypatch.setenv("FORWARDLAB_WORKSPACE", str(tmp_path))
    report = diagnose()
    assert report["isolation"] == "portable" and report["torch"] == torch.__version__
    assert report["devices"][0]["device"] == "cpu"
    assert set(report["enforces"]) == {"time", "memory", "processes", "separate uid", "no-new-privs", "sandbox"}
    assert report["enforces"]["separate uid"].startswith("no")
    assert any("no workspace here" in p["problem"] and "grader init" in p["fix"] for p in report["problems"])
    assert "isolation    portable" in text(report)
    monkeypatch.setenv("FORWARDLAB_ISOLATION", "vm")
    problem = diagnose()["problems"][0]
    assert "not an isolation mode" in problem["problem"] and "FORWARDLAB_ISOLATION" in problem["fix"]


def test_doctor_json_and_help_from_the_command_line() -> None:
    """`grader doctor --json` holds at least isolation, devices and torch; --help imports no torch."""
    done = subprocess.run([sys.executable, "-m", "grader", "doctor", "--json"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    assert report["isolation"] in ("fork", "portable") and report["torch"] and report["devices"]
    check = ("import sys\nfrom grader.cli import main\ntry:\n    main(['doctor', '--help'])\nexcept SystemExit:\n"
             "    pass\nassert 'torch' not in sys.modules, 'torch imported'")
    help_run = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert help_run.returncode == 0, help_run.stderr
    assert "isolation mode" in help_run.stdout


@pytest.mark.skipif(sys.platform != "win32", reason="job objects exist on Windows only")
def test_a_job_object_ends_every_process_in_it() -> None:
    from grader.isolation.winjob import Job

    sleeper = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                                "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
                                "time.sleep(60)"])
    job = Job(int(sleeper._handle), cpu_s=10, memory_bytes=2**30, processes=8)
    try:
        psutil.wait_procs([psutil.Process(sleeper.pid)], timeout=2)
        assert job.end() >= 1
        assert sleeper.wait(timeout=10) is not None
    finally:
        job.close()
