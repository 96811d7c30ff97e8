"""Hostile submissions: tricks to fake a pass, hang the grader, take it down or outlive the check.

Every file in tests/submissions/hostile/ declares `# expect: fail CATEGORY fragment` and
`# exercise: exerciseN`, and `# needs: WHAT...` when what it attacks is defended only by something a
mode, an isolation or a platform may lack, or it cannot be written everywhere: `root` (the children
run as a uid of their own), `confinement` (the fork isolation's confinement of the child beyond its
user's rights: a uid of its own as root, namespaces, Landlock and seccomp for an ordinary user; the
portable isolation has none of it), `process-limit` (a limit on processes binds the child), `fork`
(os.fork exists: not on Windows), `posix` (POSIX signals, sessions and programs). A file whose needs
are not met is not even graded in that mode (some would stop or flood the machine), and its test is
skipped. The whole set is graded twice, for real, by tests/hostile_run.py: as root (each job's child
a fresh uid of its own) and as an unprivileged learner (as root, a uid made for the test runs the
grader with a Python it can execute; see tests/learner.py); the portable isolation
(FORWARDLAB_ISOLATION=portable) is graded as the learner only. In each mode every file must be
judged `fail` with that first failure, within its time limit plus a small margin, leak nothing (no
LEAKED line, no secret of the caller) and leave nothing behind: no process, no file in a shared
writable folder, no IPC object, no change to the progress store or the
submissions. Correct files graded in the same batch must pass, the grader's memory stay within its
bound, `grader check` exit with 0 or 1 and print no terminal control. See docs/threat-model.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, expectation
from learner import Learner

from grader.grading import Grader
from grader.isolation.frames import FRAMES_BUDGET
from grader.isolation.portable import isolation_mode
from grader.isolation.protocol import Limits

HOSTILE = SUBMISSIONS / "hostile"
FILES = sorted(HOSTILE.glob("*.py"))
LIMITS = Limits(wall_s=4.0, cpu_s=3.0, memory_mb=512, output_bytes=200_000, processes=32)
MARGIN_S = 5.0  # start-up, sweeping and judging, on a busy two-core machine
SECRET = f"secret-{uuid.uuid4().hex}"  # a CI token of the caller's: must never reach the learner's code
CORRECT, WRONG = SUBMISSIONS / "exercise2" / "correct_modules.py", SUBMISSIONS / "exercise2" / "wrong_no_relu.py"
CLI_FILES = ("ansi_fake_pass.py", "surrogate_message.py", "frames_deep_nesting.py", "forged_report_prints.py")
# the parent's memory for results: one job's budget (bytes, plus the values decoded from them), and room
# for the reports, torch's own allocations and the judging
PARENT_BOUND_MB = FRAMES_BUDGET / 2**20 + 200
MODES = ("root", "learner")
# one worker of pytest-xdist runs this whole module: the runs are made once and shared by its tests
pytestmark = pytest.mark.xdist_group("hostile")


def header(path: Path, key: str) -> str | None:
    match = re.search(rf"^# {key}: (\S+)$", path.read_text(), re.M)
    return match.group(1) if match else None


def capabilities(mode: str) -> set[str]:
    """What a `# needs:` header may name that the isolation in use has in `mode`, on this platform."""
    fork = isolation_mode() == "fork"
    have = {"root": fork and mode == "root", "confinement": fork, "process-limit": fork or mode == "learner",
            "fork": hasattr(os, "fork"), "posix": os.name == "posix"}
    return {name for name, has in have.items() if has}


def unmet(path: Path, mode: str) -> set[str]:
    needs = re.search(r"^# needs: (.+)$", path.read_text(), re.M)
    return set(needs.group(1).split() if needs else ()) - capabilities(mode)


class Runs:
    """mode -> what tests/hostile_run.py saw, run on first use. One mode at a time: each keeps both cores
    busy, and the time limits must mean the same in both."""

    def __init__(self) -> None:
        self.seen: dict[str, dict] = {}
        self.learners: list[Learner] = []

    def __getitem__(self, mode: str) -> dict:
        if mode not in self.seen:
            self.seen[mode] = _run(mode, self.learners)
        return self.seen[mode]


@pytest.fixture(scope="module")
def runs() -> Iterator[Runs]:
    made = Runs()
    yield made
    for learner in made.learners:  # its files, and whatever it left in the shared folders
        learner.remove()


def _run(mode: str, learners: list[Learner]) -> dict:
    if mode == "root" and os.geteuid() != 0:
        pytest.skip("the grader does not run as root here: the separate-uid mode needs root")
    if mode == "root" and isolation_mode() == "portable":
        pytest.skip("the portable isolation runs root's children as root: for learners, not for graders as root")
    if mode == "root":
        learner = Learner(0, sys.executable, Path(tempfile.mkdtemp(prefix="forwardlab-root-")), dict(os.environ))
    else:
        learner = Learner.make() if os.geteuid() == 0 else Learner.current()
    learners.append(learner)
    # the isolation to grade with, and (for the no-fork check) a startup hook, reach the learner's grader
    learner.env.update({k: v for k, v in os.environ.items() if k in ("FORWARDLAB_ISOLATION", "PYTHONPATH",
                                                                      "FORWARDLAB_NOFORK_LOG")})
    home = learner.home
    course = home / "course"  # root: a private tree, reached through the bridge; learner: the learner's own
    (course / "students").mkdir(parents=True)
    hostile = learner.give(HOSTILE, "course/students/hostile")
    correct = learner.give(CORRECT.parent, "course/students/correct")
    neighbour = course / "students" / "neighbour"
    neighbour.mkdir()
    (neighbour / "answer.py").write_text("# the neighbour's answer\n")
    (course / "cwd").mkdir()  # where `grader check` runs: a numpy.py there must never be imported
    marker = home / "pwned"
    (course / "cwd" / "numpy.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\nraise ImportError\n")
    link = _link_to_private(learner, course)
    files = [("exercise2", str(correct / CORRECT.name))]
    for i, path in enumerate(FILES):
        if not unmet(path, mode):
            files.append((header(path, "exercise") or "exercise2", str(hostile / path.name)))
        if i % 16 == 15:  # correct files among the hostile ones: each must pass
            files.append(("exercise2", str(correct / CORRECT.name)))
    files += [("exercise2", str(correct / CORRECT.name))] + ([("exercise2", str(link))] if link else [])
    config = {"env": {"FORWARDLAB_DATA_DIR": str(home / "data"),
                      "FORWARDLAB_TEST_MARK": f"forwardlab-hostile-{uuid.uuid4().hex}", "CI_JOB_TOKEN": SECRET},
              "limits": {k: getattr(LIMITS, k) for k in ("wall_s", "cpu_s", "memory_mb", "output_bytes", "processes")},
              "files": files, "protected": [str(home / "data"), str(hostile)],
              "afterwards": [("exercise2", str(correct / CORRECT.name)), ("exercise2", str(correct / WRONG.name))],
              # `grader check` on a pipe: once, as the learner (the rendering does not depend on the mode)
              "cli_files": [str(hostile / name) for name in CLI_FILES] if mode == "learner" else [],
              "cli_cwd": str(course / "cwd")}
    (home / "config.json").write_text(json.dumps(config))
    shutil.copy(Path(__file__).with_name("hostile_run.py"), home / "hostile_run.py")
    if mode == "root":
        home.chmod(0o700)
    done = learner.run([learner.python, str(home / "hostile_run.py"), str(home / "config.json")], timeout=1500)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-4000:]
    seen = json.loads(done.stdout)
    seen.update(hostile=str(hostile), link=str(link) if link else None, marker=marker.exists(), config=config)
    return seen


def reports_of(seen: dict, file: str) -> list[dict]:
    """The reports of `file` (a file graded several times has several)."""
    return [r for r in seen["reports"] if r["file"] == file]


def _link_to_private(learner: Learner, course: Path) -> Path | None:
    """A submission that is a link to an answer key only root may read (None when not root)."""
    if os.geteuid() != 0:
        return None
    private = course / "private"
    private.mkdir(mode=0o700)
    shutil.copy(SUBMISSIONS.parent.parent / "content" / "solutions" / "exercise2.py", private / "exercise2.py")
    (private / "exercise2.py").chmod(0o600)
    links = course / "students" / "links"
    links.mkdir()
    os.symlink("../../private/exercise2.py", links / "exercise2.py")
    if learner.uid:
        os.chown(links, learner.uid, learner.uid)
        os.lchown(links / "exercise2.py", learner.uid, learner.uid)
    return links / "exercise2.py"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_hostile_submission_fails_safely(runs: Runs, mode: str, path: Path) -> None:
    missing = unmet(path, mode)
    if missing:
        pytest.skip(f"needs {', '.join(sorted(missing))}: not here (see the module docstring)")
    seen = runs[mode]
    status, category, fragment = expectation(path)
    assert status == "fail" and header(path, "exercise"), f"{path.name}: needs '# expect: fail ...' and '# exercise:'"
    report = reports_of(seen, str(Path(seen["hostile"]) / path.name))[0]
    failures = [f"{c['id']} [{c['category']}]: {c['message']}" for c in report["checks"] if c["status"] == "fail"]
    assert report["status"] == "fail", f"judged {report['status']}: {failures}"
    first = next(c for c in report["checks"] if c["status"] == "fail")
    assert first["category"] == category, f"first failure is {first['id']} [{first['category']}], expected " \
                                          f"{category}: {failures}"
    assert fragment.lower() in first["message"].lower(), f"{fragment!r} not in {first['message']!r}"
    assert first["hint"]
    assert report["duration_s"] < LIMITS.wall_s + MARGIN_S, f"took {report['duration_s']:.1f} s"
    assert "LEAKED" not in report["output"] and SECRET not in report["output"], report["output"]
    assert report["left"] == [], "still running after the job"


@pytest.mark.parametrize("mode", MODES)
def test_nothing_outlives_a_job_and_nothing_protected_changes(runs: Runs, mode: str) -> None:
    seen = runs[mode]
    assert seen["new_files"] == [], "left in the shared writable folders"
    assert seen["ipc"] == [], "System V IPC objects or POSIX queues left"
    assert seen["protected_changed"] == [], "the store or the submissions changed"
    assert not seen["marker"], "a numpy.py next to `grader check` was imported"


@pytest.mark.parametrize("mode", MODES)
def test_correct_files_pass_among_hostile_ones_and_afterwards(runs: Runs, mode: str) -> None:
    """Every file got one report; the correct ones in the batch passed; the same grader still grades right."""
    seen = runs[mode]
    assert sorted(r["file"] for r in seen["reports"]) == sorted(file for _, file in seen["config"]["files"])
    correct = reports_of(seen, str(Path(seen["hostile"]).parent / "correct" / CORRECT.name))
    assert len(correct) >= 3 and all(r["status"] == "pass" for r in correct), correct
    assert list(seen["afterwards"].values()) == ["pass", "fail"]


@pytest.mark.parametrize("mode", MODES)
def test_a_link_to_a_file_the_learner_may_not_read_is_not_followed(runs: Runs, mode: str) -> None:
    seen = runs[mode]
    if not seen["link"]:
        pytest.skip("needs root: a file only root may read")
    report = reports_of(seen, seen["link"])[0]
    first = next(c for c in report["checks"] if c["status"] == "fail")
    assert first["category"] == "load" and re.search("does not follow|cannot be read", first["message"]), first


@pytest.mark.parametrize("mode", MODES)
def test_the_graders_memory_stays_bounded(runs: Runs, mode: str) -> None:
    seen = runs[mode]
    assert seen["peak_mb"] - seen["base_mb"] < PARENT_BOUND_MB, seen


def test_the_text_report_exits_0_or_1_and_carries_no_terminal_control(runs: Runs) -> None:
    cli = runs["learner"]["cli"]
    assert cli["code"] == 1, cli["stderr"]
    assert "\x1b" not in cli["stdout"] and "\x9b" not in cli["stdout"] and "\r" not in cli["stdout"]
    verdicts = re.findall(r"^exercise2 .*?  (PASS|FAIL|NOT STARTED)  ", cli["stdout"], re.M)
    assert verdicts == ["FAIL"] * len(CLI_FILES), cli["stdout"]


@pytest.mark.parametrize("mode", MODES)
def test_the_isolation_is_what_the_kernel_allows(runs: Runs, mode: str) -> None:
    """Here (Linux with user namespaces, Landlock and seccomp) every layer of the fork isolation is in use,
    in both modes; the portable isolation uses none of them."""
    seen = runs[mode]
    assert seen["separate_uids"] == (mode == "root")
    if isolation_mode() == "portable":
        assert not seen["jail"], seen["jail"]
        return
    if Path("/proc/self/ns/user").exists() and not os.environ.get("FORWARDLAB_NO_NAMESPACES"):
        assert seen["jail"]["namespaces"] and seen["jail"]["seccomp"], seen["jail"]


def test_every_attack_is_covered() -> None:
    """The suite's count, and the attacks the issues list, each with at least one file."""
    names = {p.stem for p in FILES}
    for needed in ("exit_at_import", "os_exit_in_forward", "patch_comparisons", "forged_report_prints",
                   "tensor_subclass_eq", "gc_scan_for_expected", "proc_parent_memory", "patch_reference_modules",
                   "popen_sleep", "double_fork_daemon", "kill_parent", "flood_stdout", "memory_huge_tensor",
                   "loop_in_init", "fork_bomb", "write_outside_scratch", "results_tamper", "recursion_bomb",
                   "ignore_signals", "threads_keep_running", "close_descriptors", "chdir_elsewhere", "del_prints_pass",
                   # issue 11, by class: 1 results, 2 clean-up, 3 outside the isolation, 4 shared kernel
                   # resources, 5 the text report, 6 the exit status, and the non-root mode
                   "frames_deep_nesting", "frames_lying_tensor", "frames_hash_bomb", "frames_wrong_types",
                   "frames_judge_stall", "deep_tree_in_tmp", "deep_tree_unremovable", "read_neighbours",
                   "fill_shared_space", "ipc_plant", "ipc_read", "ansi_fake_pass", "surrogate_message",
                   "broken_stderr_crash", "broken_streams_exit", "sigstop_everything", "reach_the_grader"):
        assert needed in names
    assert len(FILES) >= 67


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
