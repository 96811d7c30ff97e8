"""Parent side of the process boundary: start zygotes, hand them jobs, collect what children leave.

Nothing here imports torch at module level, so a zygote can be started before the parent pays
for its own torch import: the two imports then run side by side. What a child leaves behind is
read by grader.isolation.frames as untrusted input. See docs/threat-model.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import grader
from grader.errors import UsageError
from grader.isolation.frames import read_frames, read_output
from grader.isolation.protocol import ChildOutcome, Limits
from grader.isolation.submission import read_submission
from grader.isolation.system import PR_SET_DUMPABLE, prctl, remove_tree, sweep
from grader.isolation.uids import uid_lock_dir

# what a zygote (and so the learner's code) sees of the environment: no tokens or secrets of the caller
ENV_KEPT = ("PATH", "HOME", "LANG", "LANGUAGE", "LC_", "TZ", "PYTHON", "VIRTUAL_ENV", "CONDA", "LD_LIBRARY_PATH",
            "CUDA_", "NVIDIA_", "TORCH_", "OMP_", "MKL_", "KMP_", "OPENBLAS_", "FORWARDLAB_", "TMPDIR")
# -P: neither the working folder nor a script's folder goes on sys.path (a numpy.py next to a submission
# would otherwise run here, before any limit); the grader's own folder only when it is not installed
BOOT = ("import importlib.util, sys\n"
        "if importlib.util.find_spec('grader') is None: sys.path.append({root!r})\n"
        "from {entry} import serve\n"
        "serve()")

class ZygoteError(RuntimeError):
    """The zygote could not start (an internal error: exit code 3)."""


class Zygote:
    """One warm process with torch imported; runs one job at a time.

    With `sandbox`, the zygote (and so every child) runs under bubblewrap: no network, its own
    process namespace, everything read-only but the job folders (see `bwrap_command`).
    The portable isolation is this class with another ENTRY (grader.isolation.portable)."""

    ENTRY = "grader.isolation.zygote"  # the module the worker process runs
    idle: frozenset[int] = frozenset()  # processes it keeps ready besides itself (the portable worker's templates)

    def __init__(self, sandbox: bool = False) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - open for the zygote's lifetime, closed in close()
        self.token = os.urandom(8).hex()  # marks every process this zygote starts, for the last-resort sweep
        env = {k: v for k, v in os.environ.items() if k.startswith(ENV_KEPT)}
        env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONSAFEPATH="1", FORWARDLAB_WORKER=self.token)
        self.sandbox = sandbox
        bwrap = find_bwrap() if sandbox else None
        self.jobs_root = Path(tempfile.mkdtemp(prefix="forwardlab-jobs-"))
        self.jobs_root.chmod(0o711)  # passable, not listable: see _run_in
        root = str(Path(grader.__file__).resolve().parent.parent)
        command = [sys.executable, "-P", "-c", BOOT.format(root=root, entry=self.ENTRY)]
        if bwrap:
            command = bwrap_command(bwrap, self.jobs_root) + command
            # the only writable folder in there, and where the shared uid locks are bound
            env.update(TMPDIR=str(self.jobs_root), FORWARDLAB_UID_LOCKS=str(uid_lock_dir()))
        if os.name == "posix" and os.geteuid() != 0:  # a child of our own uid may not read this process's memory
            prctl(PR_SET_DUMPABLE, 0)
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                     env=env, text=True, bufsize=1, cwd=self.jobs_root)
        self._stdin, self._stdout = pipes(self.proc)
        self.ready = False
        self.jail: dict = {}  # what the kernel lets the children use (grader.isolation.jail.probe)
        self.job_uids: set[int] = set()  # the uids its jobs' children ran as, when they had one of their own
        self._running_uid: int | None = None  # the uid of the job in progress, if any
        self.jobs_started, self.busy = 0, False  # jobs handed to it so far; whether one is in progress
        self._pending = b""  # bytes read from the zygote but not yet a whole line

    def _read(self, timeout: float | None) -> dict | None:
        """The zygote's next message, or None after `timeout` seconds. Reads the raw descriptor into
        our own buffer: select() cannot see lines a buffered reader already holds, and the zygote
        often sends two at once (a child that ends at once: its pid, then its end)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self._stdout.fileno()
        while b"\n" not in self._pending:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return json.loads(line)

    def wait_ready(self, timeout: float = 120.0) -> None:
        if self.ready:
            return
        try:
            message = self._read(timeout)
        except EOFError:
            message = None
        if not message or not message.get("ready"):
            self._stderr.seek(0)
            error = self._stderr.read().decode(errors="replace")[-2000:]
            self.close()
            raise ZygoteError(f"grading worker failed to start: {error}")
        self.ready, self.jail = True, message.get("jail") or {}

    def run(self, plan_path: Path, limits: Limits, device: str, file: Path,
            on_frame: Callable[[dict], None] | None = None, warm: tuple[str, ...] = (),
            hidden: Sequence[Path] = (), answers: Sequence[str] | None = ()) -> ChildOutcome:
        """Run one job in a fresh child; always returns, whatever the child did (SubmissionError when the
        file cannot be read as its learner could read it: grader.isolation.submission).
        `on_frame` is handed each result frame while the child runs (e.g. a training epoch);
        `warm` names costly first uses the zygote should pay once before forking (e.g. "export");
        `hidden` are folders of the grader's the learner's code must not read (cache, progress store);
        `answers` the folders of what computes the answers, hidden too and sealed (grader.isolation.guard);
        None for an instructor's own code (`grader pack test`), which may import the grader."""
        real, source = read_submission(file)
        self.wait_ready()
        self.jobs_started, self.busy = self.jobs_started + 1, True
        work = Path(tempfile.mkdtemp(prefix="job-", dir=self.jobs_root))
        work.chmod(0o711)  # a child running as a uid of its own reaches its own folders here, and lists nothing
        try:
            (work / "source.py").write_bytes(source)
            (work / "scratch").mkdir()
            job = {"plan": str(plan_path), "file": str(real), "source": str(work / "source.py"),
                   "results": str(work / "results.bin"), "output": str(work / "output.txt"),
                   "scratch": str(work / "scratch"),
                   "hidden": [str(plan_path.parent), *map(str, hidden), *(answers or ())],
                   "answers": None if answers is None else list(answers),
                   "limits": limits.to_wire(), "device": device, "warm": list(warm)}
            return self._run_in(work, job, limits, on_frame)
        finally:
            remove_tree(work)
            self.busy = False

    def _run_in(self, work: Path, job: dict, limits: Limits,
                on_frame: Callable[[dict], None] | None = None) -> ChildOutcome:
        outcome = ChildOutcome()
        try:
            self._stdin.write(json.dumps(job) + "\n")
            self._stdin.flush()
            started = self._read(30.0)
            if started is None:
                raise EOFError
            if "refused" in started:
                raise ZygoteError(f"the grading worker refused the job: {started['refused']}")
            pid, self._running_uid = int(started["pid"]), started.get("uid")
            if self._running_uid is not None:
                self.job_uids.add(self._running_uid)
            finished = self._wait_finished(limits.wall_s + 30.0, work / "results.bin", on_frame)
            if finished is None or finished.get("pid") != pid:
                raise EOFError
            outcome.status, outcome.timed_out = int(finished["status"]), bool(finished["timed_out"])
            outcome.output_exceeded, outcome.cpu_s = bool(finished["output_exceeded"]), float(finished["cpu_s"])
            outcome.leftover, outcome.memory_exceeded = int(finished["leftover"]), bool(finished.get("memory_exceeded"))
            outcome.maxrss_mb, outcome.wall_s = finished["maxrss_kb"] / 1024, finished["wall_s"]
            self._running_uid = None  # the zygote cleared it: it may belong to another job by now
        except (EOFError, OSError, TypeError, ValueError, KeyError):
            # the zygote died (or its answer made no sense): this job failed, the next one gets a new zygote
            outcome.worker_lost = True
            self.close()
        outcome.frames, outcome.frame_error, _ = read_frames(work / "results.bin")
        outcome.output, outcome.output_bytes = read_output(work / "output.txt")
        return outcome

    def _wait_finished(self, timeout: float, results: Path, on_frame: Callable[[dict], None] | None) -> dict | None:
        """The zygote's report that the child ended; meanwhile each new frame goes to `on_frame`."""
        if on_frame is None:
            return self._read(timeout)
        deadline, seen = time.monotonic() + timeout, 0
        while True:
            finished = self._read(max(0.0, min(0.2, deadline - time.monotonic())))
            frames, _, seen = read_frames(results, start=seen)
            for frame in frames:
                on_frame(frame)
            if finished is not None or time.monotonic() >= deadline:
                return finished

    def _sweep(self) -> None:
        """Kill whatever the zygote started that outlived it (see close)."""
        sweep(uid=self._running_uid, token=self.token)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """Stop the zygote and everything it started (the zygote sweeps after each job; this is for
        a zygote that died or hung: its orphans carry its token, or run as its uid)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if not self.sandbox:  # under bubblewrap, the zygote's end takes its whole process namespace along
            self._sweep()
        for stream in (self._stdin, self._stdout, self._stderr):
            with contextlib.suppress(OSError):
                stream.close()
        remove_tree(self.jobs_root)


def pipes(proc: subprocess.Popen) -> tuple[IO[str], IO[str]]:
    """The stdin and stdout of a process started with both as pipes."""
    assert proc.stdin is not None and proc.stdout is not None
    return proc.stdin, proc.stdout


def find_bwrap() -> str:
    """bubblewrap's path; UsageError when it is not installed (it exists on Linux only)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise UsageError("--sandbox needs bubblewrap (`bwrap`), which is not installed here: "
                         "install it (e.g. apt-get install bubblewrap) or run without --sandbox")
    return bwrap


def bwrap_command(bwrap: str, jobs_root: Path) -> list[str]:
    """bubblewrap around the zygote: no network, own PID/IPC namespaces and session, a read-only view
    of the whole file system but the job folders (and the uid locks, shared with other zygotes), and
    death with its parent."""
    locks = uid_lock_dir()
    command = [bwrap, "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid", "--unshare-ipc",
               "--unshare-uts", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
               "--bind", str(jobs_root), str(jobs_root)]
    if os.geteuid() == 0:
        locks.mkdir(mode=0o755, exist_ok=True)
        command += ["--bind", str(locks), str(locks)]
    for device in sorted(Path("/dev").glob("nvidia*")):  # the GPU, when there is one
        command += ["--dev-bind", str(device), str(device)]
    return command
