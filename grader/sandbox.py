"""Parent side of the process boundary: start zygotes, hand them jobs, collect what children leave.

Nothing here imports torch at module level, so a zygote can be started before the parent pays
for its own torch import: the two imports then run side by side. What a child leaves behind is
untrusted: frames and output are read without following links or blocking on special files, with
a size budget, and frames are unpickled as plain data only. See docs/threat-model.md.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UsageError
from grader.zygote import sweep, uid_lock_dir

OUTPUT_SHOWN = 4000  # characters of the learner's output kept in the report
FRAMES_BUDGET = 512 * 2**20  # bytes of result frames read from one child at most
# what a zygote (and so the learner's code) sees of the environment: no tokens or secrets of the caller
ENV_KEPT = ("PATH", "HOME", "LANG", "LANGUAGE", "LC_", "TZ", "PYTHON", "VIRTUAL_ENV", "CONDA", "LD_LIBRARY_PATH",
            "CUDA_", "NVIDIA_", "TORCH_", "OMP_", "MKL_", "KMP_", "OPENBLAS_", "FORWARDLAB_", "TMPDIR")


@dataclass(frozen=True)
class Limits:
    wall_s: float = 20.0
    cpu_s: float = 40.0
    memory_mb: int = 2048
    output_bytes: int = 1_000_000
    open_files: int = 256
    processes: int = 64  # processes and threads at once, when the child runs as a uid of its own

    def to_wire(self) -> dict:
        return {"wall_s": self.wall_s, "cpu_s": self.cpu_s, "memory_mb": self.memory_mb,
                "open_files": self.open_files, "output_bytes": self.output_bytes, "processes": self.processes,
                "file_bytes": max(self.output_bytes * 4, 256 * 2**20)}


@dataclass
class ChildOutcome:
    frames: list[dict] = field(default_factory=list)
    status: int | None = None  # raw wait status
    timed_out: bool = False
    output_exceeded: bool = False  # stopped by the zygote for printing more than the limit
    cpu_s: float = 0.0
    leftover: int = 0  # processes it started that were still running when it ended (then killed)
    maxrss_mb: float = 0.0
    wall_s: float = 0.0
    output: str = ""
    output_bytes: int = 0
    worker_lost: bool = False
    frame_error: str = ""

    @property
    def signal(self) -> int | None:
        return os.WTERMSIG(self.status) if self.status is not None and os.WIFSIGNALED(self.status) else None

    @property
    def exit_code(self) -> int | None:
        return os.WEXITSTATUS(self.status) if self.status is not None and os.WIFEXITED(self.status) else None

    @property
    def finished(self) -> bool:
        return bool(self.frames) and self.frames[-1].get("kind") == "done"


class ZygoteError(RuntimeError):
    """The zygote could not start (an internal error: exit code 3)."""


class Zygote:
    """One warm process with torch imported; runs one job at a time.

    With `sandbox`, the zygote (and so every child) runs under bubblewrap: no network, its own
    process namespace, everything read-only but the job folders (see `bwrap_command`)."""

    def __init__(self, sandbox: bool = False) -> None:
        self._stderr = tempfile.TemporaryFile()
        self.token = os.urandom(8).hex()  # marks every process this zygote starts, for the last-resort sweep
        env = {k: v for k, v in os.environ.items() if k.startswith(ENV_KEPT)}
        env.update(PYTHONDONTWRITEBYTECODE="1", FORWARDLAB_WORKER=self.token)
        self.sandbox = sandbox
        bwrap = find_bwrap() if sandbox else None
        self.jobs_root = Path(tempfile.mkdtemp(prefix="forwardlab-jobs-"))
        self.jobs_root.chmod(0o711)  # passable, not listable: see _run_in
        command = [sys.executable, "-m", "grader.zygote"]
        if bwrap:
            command = bwrap_command(bwrap, self.jobs_root) + command
            # the only writable folder in there, and where the shared uid locks are bound
            env.update(TMPDIR=str(self.jobs_root), FORWARDLAB_UID_LOCKS=str(uid_lock_dir()))
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                     env=env, text=True, bufsize=1)
        self.ready = False
        self.uid: int | None = None  # the uid children run as, when the zygote could claim one
        self._pending = b""  # bytes read from the zygote but not yet a whole line

    def _read(self, timeout: float | None) -> dict | None:
        """The zygote's next message, or None after `timeout` seconds. Reads the raw descriptor into
        our own buffer: select() cannot see lines a buffered reader already holds, and the zygote
        often sends two at once (a child that ends at once: its pid, then its end)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
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
        self.ready, self.uid = True, message.get("uid")

    def run(self, plan_path: Path, limits: Limits, device: str, file: Path,
            on_frame: Callable[[dict], None] | None = None, warm: tuple[str, ...] = ()) -> ChildOutcome:
        """Run one job in a fresh child; always returns, whatever the child did.
        `on_frame` is handed each result frame while the child runs (e.g. a training epoch);
        `warm` names costly first uses the zygote should pay once before forking (e.g. "export")."""
        self.wait_ready()
        work = Path(tempfile.mkdtemp(prefix="job-", dir=self.jobs_root))
        work.chmod(0o711)  # a child running as a uid of its own reaches its own folders here, and lists nothing
        try:
            return self._run_in(work, plan_path, limits, device, file, on_frame, warm)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _run_in(self, work: Path, plan_path: Path, limits: Limits, device: str, file: Path,
                on_frame: Callable[[dict], None] | None = None, warm: tuple[str, ...] = ()) -> ChildOutcome:
        (work / "results").mkdir()
        (work / "scratch").mkdir()
        job = {"plan": str(plan_path), "file": str(file), "results": str(work / "results"), "output": str(work / "output.txt"),
               "scratch": str(work / "scratch"), "limits": limits.to_wire(), "device": device, "warm": list(warm)}
        outcome = ChildOutcome()
        try:
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
            pid = int(self._read(30.0)["pid"])
            finished = self._wait_finished(limits.wall_s + 30.0, work / "results", on_frame)
            if finished is None or finished.get("pid") != pid:
                raise EOFError
            outcome.status, outcome.timed_out = int(finished["status"]), bool(finished["timed_out"])
            outcome.output_exceeded, outcome.cpu_s = bool(finished["output_exceeded"]), float(finished["cpu_s"])
            outcome.leftover = int(finished["leftover"])
            outcome.maxrss_mb, outcome.wall_s = finished["maxrss_kb"] / 1024, finished["wall_s"]
        except (EOFError, OSError, TypeError, ValueError, KeyError):
            # the zygote died (or its answer made no sense): this job failed, the next one gets a new zygote
            outcome.worker_lost = True
            self.close()
        outcome.frames, outcome.frame_error, _ = read_frames(work / "results")
        outcome.output, outcome.output_bytes = read_output(work / "output.txt")
        return outcome

    def _wait_finished(self, timeout: float, results: Path, on_frame: Callable[[dict], None] | None) -> dict | None:
        """The zygote's report that the child ended; meanwhile each new frame goes to `on_frame`."""
        if on_frame is None:
            return self._read(timeout)
        deadline, seen = time.monotonic() + timeout, 0
        while True:
            finished = self._read(max(0.0, min(0.2, deadline - time.monotonic())))
            frames, _, files = read_frames(results, start=seen)
            seen += files
            for frame in frames:
                on_frame(frame)
            if finished is not None or time.monotonic() >= deadline:
                return finished

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
            sweep(uid=self.uid, token=self.token)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.jobs_root, ignore_errors=True)


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


def _open_plain(name: str, dir_fd: int | None = None) -> int | None:
    """A descriptor for a regular file, never following a link nor blocking on a FIFO; else None."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def _read_fd(fd: int, limit: int) -> bytes:
    with os.fdopen(fd, "rb") as f:
        return f.read(limit)


def read_frames(results: Path, start: int = 0) -> tuple[list[dict], str, int]:
    """Load the child's frames (from file number `start` on) as plain data only (weights_only: no
    code, no tensor subclasses); returns (frames, error, files read). Links, special files and files
    past the size budget end the trusted part. Each file holds a batch: {"kind": "frames", "frames": [...]}."""
    import io

    import torch

    try:
        dir_fd = os.open(results, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return [], "your code removed or replaced the folder its results are written to"
    frames, budget, files = [], FRAMES_BUDGET, 0
    try:
        names = sorted((n for n in os.listdir(dir_fd) if n.startswith("frame-") and n.endswith(".pt")),
                       key=lambda n: (len(n), n))  # numeric order, past frame-9999.pt too
        for number, name in enumerate(names[start:], start + 1):
            if name != f"frame-{number:04d}.pt":  # the child numbers them 1, 2, 3, ...: anything else was tampered with
                return frames, "your code removed, replaced or added result files of the grader", files
            fd = _open_plain(name, dir_fd)
            size = os.fstat(fd).st_size if fd is not None else 0
            if fd is None or size > budget:
                if fd is not None:
                    os.close(fd)
                return frames, "a result file from your process is not a plain file of a sane size: it was not read", files
            budget -= size
            try:
                batch = torch.load(io.BytesIO(_read_fd(fd, size)), weights_only=True)
            except Exception as err:  # noqa: BLE001 - a forged or corrupt frame ends the trusted part
                return frames, f"a result from your process could not be read as plain tensors ({type(err).__name__})", files
            inner = batch.get("frames") if isinstance(batch, dict) and batch.get("kind") == "frames" else None
            if not (isinstance(inner, list) and all(isinstance(f, dict) and isinstance(f.get("kind"), str) for f in inner)):
                return frames, "a result from your process is not one the grader wrote: your code changed it", files
            frames.extend(inner)
            files += 1
    finally:
        os.close(dir_fd)
    return frames, "", files


def read_output(path: Path) -> tuple[str, int]:
    """The head of what the child printed, and how many bytes it printed in all."""
    fd = _open_plain(str(path))
    if fd is None:
        return "", 0
    size = os.fstat(fd).st_size
    return _read_fd(fd, OUTPUT_SHOWN).decode(errors="replace"), size
