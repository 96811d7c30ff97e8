"""Hostile submissions: tricks to fake a pass, hang the grader, take it down or outlive the check.

Every file in tests/submissions/hostile/ declares `# expect: fail CATEGORY fragment` and
`# exercise: exerciseN`, and `# needs: WHAT...` when the defence it tests is one the isolation in use
may not have here, or the attack cannot be written here: `root` (the children run as a uid of their own:
the fork isolation, on Linux, with the grader running as root; without it the attack would harm the
machine or read the learner's own files), `process-limit` (a limit on processes binds the child: not
for root without a uid of its own), `fork` (the attack calls os.fork, which Windows does not have), `posix`
(it uses POSIX signals, sessions or programs: abort() as SIGABRT, alarms, killpg, sh).
Each must be judged `fail` with that first failure, within its time limit plus a small margin, leak
nothing (no LEAKED line, no secret of the caller), and leave nothing behind: no process started by it
(found by the marker every worker's environment carries here, or by the uid its children run as), no
file of its uid in /tmp, and no change to the reference cache, the progress store or the repository.
The same suite runs in both isolation modes (FORWARDLAB_ISOLATION=portable). See docs/threat-model.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

import psutil
import pytest
from conftest import ROOT, SUBMISSIONS, expectation

from grader.course.progress import ProgressStore
from grader.grading import Grader
from grader.isolation.protocol import Limits

HOSTILE = SUBMISSIONS / "hostile"
FILES = sorted(HOSTILE.glob("*.py"))
LIMITS = Limits(wall_s=3.0, cpu_s=2.0, memory_mb=512, output_bytes=200_000, processes=32)
MARGIN_S = 5.0  # start-up, sweeping and judging, on a busy two-core machine
MARK = f"forwardlab-hostile-{uuid.uuid4().hex}"  # in every zygote's environment, so in all they start
SECRET = f"secret-{uuid.uuid4().hex}"  # a CI token of the caller's: must never reach the learner's code
PWNED = Path("/tmp/forwardlab-hostile-pwned")


def header(path: Path, key: str) -> str | None:
    match = re.search(rf"^# {key}: (\S+)$", path.read_text(), re.M)
    return match.group(1) if match else None


@pytest.fixture(scope="module")
def hostile_grader():
    """One warm grader with small limits, a reference cache and a progress store to attack."""
    os.environ["FORWARDLAB_TEST_MARK"], os.environ["CI_JOB_TOKEN"] = MARK, SECRET
    store = ProgressStore()
    store.record_check({"exercise": "exercise1", "file": "x.py", "status": "fail", "checks": []})
    store.close()
    try:
        with Grader(limits=LIMITS, cache=Path(os.environ["FORWARDLAB_CACHE_DIR"])) as grader:
            for exercise in ("exercise2", "exercise3"):
                grader.prepared(exercise, "cpu")  # writes the cache now, before any attack
            yield grader
    finally:
        del os.environ["FORWARDLAB_TEST_MARK"], os.environ["CI_JOB_TOKEN"]


def protected_state() -> dict[str, str]:
    """A digest of every file the learner's code must not touch: cache, store, repository files."""
    roots = [Path(os.environ["FORWARDLAB_CACHE_DIR"]), Path(os.environ["FORWARDLAB_DATA_DIR"]), HOSTILE]
    state = {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
             for root in roots for p in sorted(root.rglob("*")) if p.is_file()}
    state["repository"] = " ".join(sorted(os.listdir(ROOT)))
    return state


def capabilities(grader: Grader) -> set[str]:
    """What a `# needs:` header may name that this grader's isolation, on this machine, has."""
    own_uid = all(z.uid is not None for z in grader.zygotes)
    root = os.name == "posix" and os.geteuid() == 0
    return {name for name, has in (("root", own_uid), ("process-limit", own_uid or not root),
                                   ("fork", hasattr(os, "fork")), ("posix", os.name == "posix")) if has}


def leftovers(grader: Grader) -> list[str]:
    """Live processes started by a worker's children: they carry MARK or run as a child's uid (psutil, so
    that it works wherever the portable isolation runs). The workers and their idle templates are spared."""
    spared = {os.getpid()} | {z.proc.pid for z in grader.zygotes} | {pid for z in grader.zygotes for pid in z.idle}
    uids = {z.uid for z in grader.zygotes if z.uid is not None}
    found = []
    for proc in psutil.process_iter():
        if proc.pid in spared:
            continue
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            process_uids = set(proc.uids()) if hasattr(proc, "uids") else set()
            if process_uids & uids or proc.environ().get("FORWARDLAB_TEST_MARK") == MARK:
                found.append(f"{proc.pid} {' '.join(proc.cmdline())}")
        except (psutil.Error, OSError):
            continue
    return found


def files_of(uids: set[int]) -> list[str]:
    return [e.path for folder in ("/tmp", "/dev/shm") if os.path.isdir(folder) for e in os.scandir(folder)
            if e.stat(follow_symlinks=False).st_uid in uids]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_hostile_submission_fails_safely(hostile_grader: Grader, path: Path) -> None:
    needs = re.search(r"^# needs: (.+)$", path.read_text(), re.M)
    missing = set(needs.group(1).split() if needs else ()) - capabilities(hostile_grader)
    if missing:
        pytest.skip(f"needs {', '.join(sorted(missing))}, which this isolation or platform lacks (see the docstring)")
    status, category, fragment = expectation(path)
    exercise = header(path, "exercise")
    assert status == "fail" and exercise, f"{path.name}: needs '# expect: fail ...' and '# exercise: ...'"
    prep = hostile_grader.prepared(exercise, "cpu")
    before = protected_state()
    hostile_grader.zygotes[0].wait_ready()  # a portable worker's next process warm: the time is the job's own
    start = time.monotonic()
    report = hostile_grader.grade(prep, path, path.name)
    elapsed = time.monotonic() - start

    failures = [f"{c.id} [{c.category}]: {c.message}" for c in report.checks if c.status == "fail"]
    assert report.status == "fail", f"judged {report.status}: {failures}"
    first = report.first_failure
    assert first.category == category, \
        f"first failure is {first.id} [{first.category}], expected {category}: {failures}"
    assert fragment.lower() in first.message.lower(), f"{fragment!r} not in {first.message!r}"
    assert first.hint
    assert elapsed < LIMITS.wall_s + MARGIN_S, f"took {elapsed:.1f} s"
    assert "LEAKED" not in report.output and SECRET not in report.output, report.output
    assert leftovers(hostile_grader) == []
    assert files_of({z.uid for z in hostile_grader.zygotes if z.uid is not None}) == []
    assert not PWNED.exists()
    assert protected_state() == before


def test_every_attack_is_covered() -> None:
    """The suite's count, and the attacks the issue lists, each with at least one file."""
    names = {p.stem for p in FILES}
    for needed in ("exit_at_import", "os_exit_in_forward", "patch_comparisons", "forged_report_prints",
                   "tensor_subclass_eq", "gc_scan_for_expected", "proc_parent_memory", "patch_reference_modules",
                   "popen_sleep", "double_fork_daemon", "kill_parent", "flood_stdout", "memory_huge_tensor",
                   "loop_in_init", "fork_bomb", "write_outside_scratch", "results_tamper", "recursion_bomb",
                   "ignore_signals", "threads_keep_running", "close_descriptors", "chdir_elsewhere", "del_prints_pass"):
        assert needed in names
    assert len(FILES) >= 50


def test_grader_still_grades_correctly_afterwards(hostile_grader: Grader) -> None:
    """After every attack, the same warm grader passes a correct submission and fails a wrong one."""
    for name, expected in (("correct_modules", "pass"), ("wrong_no_relu", "fail")):
        path = SUBMISSIONS / "exercise2" / f"{name}.py"
        report = hostile_grader.grade(hostile_grader.prepared("exercise2", "cpu"), path, path.name)
        assert report.status == expected, [c.message for c in report.checks if c.status == "fail"]


def test_limits_come_from_the_exercise_and_the_command_line() -> None:
    from grader.commands.check_cmd import _limits
    from grader.course.content import load_exercise_meta
    from grader.judging.prepare import exercise_limits

    meta = load_exercise_meta("exercise3").limits
    limits = exercise_limits("exercise3")
    assert (limits.wall_s, limits.memory_mb) == (meta.time_s, meta.memory_mb)
    args = type("Args", (), {"timeout": 1.5, "memory": 300, "cpu_time": 2.5, "max_output": 1000})()
    assert _limits(args, "exercise3") == replace(limits, wall_s=1.5, memory_mb=300, cpu_s=2.5, output_bytes=1000)


def test_cli_names_the_time_limit_it_was_given() -> None:
    """End to end: `grader check --timeout 1` stops a sleeping forward and says so, exit code 1."""
    path = HOSTILE / "sleep_in_forward.py"
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "grader", "check", "exercise2", str(path), "--timeout", "1", "--json"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "FORWARDLAB_NO_CACHE": "1"})
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    first = next(c for c in report["checks"] if c["status"] == "fail")
    assert first["category"] == "time" and "time limit of 1 s" in first["message"], first
    assert report["duration_s"] < 1 + MARGIN_S
    assert time.monotonic() - start < 60


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_sandbox_has_no_network_and_a_read_only_view(tmp_path: Path) -> None:
    """--sandbox: only the loopback interface, nothing writable outside the job, a correct file passes."""
    probe = tmp_path / "probe.py"
    probe.write_text((SUBMISSIONS / "exercise2" / "correct_modules.py").read_text().replace("# expect: pass", """\
import os
interfaces = sorted(line.split(":")[0].strip() for line in open("/proc/net/dev").read().splitlines()[2:])
print("interfaces", interfaces)
for target in ("/tmp/forwardlab-sandbox-probe", os.path.join(os.path.dirname(__file__), "x"), "/var/tmp/x"):
    try:
        open(target, "w").close()
        print("LEAKED wrote", target)
    except OSError:
        pass
print("processes", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))"""))
    with Grader(limits=LIMITS, sandbox=True) as grader:
        report = grader.grade(grader.prepared("exercise2", "cpu"), probe, probe.name)
    assert report.status == "pass", [c.message for c in report.checks if c.status == "fail"]
    assert "interfaces ['lo']" in report.output, report.output
    assert "LEAKED" not in report.output
    assert max(int(p) for p in re.search(r"processes \[(.*)\]", report.output).group(1).split(",")) < 100


def test_sandbox_without_bwrap_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from grader.cli import main

    monkeypatch.setenv("PATH", "/nonexistent")
    path = SUBMISSIONS / "exercise2" / "correct_modules.py"
    assert main(["check", "exercise2", str(path), "--sandbox"]) == 2
    assert "bubblewrap" in capsys.readouterr().err
