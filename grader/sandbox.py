"""Parent side of the process boundary: start zygotes, hand them jobs, collect what children leave.

Nothing here imports torch at module level, so a zygote can be started before the parent pays
for its own torch import: the two imports then run side by side.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

OUTPUT_SHOWN = 4000  # characters of the learner's output kept in the report


@dataclass(frozen=True)
class Limits:
    wall_s: float = 20.0
    cpu_s: float = 40.0
    memory_mb: int = 2048
    output_bytes: int = 1_000_000
    open_files: int = 256

    def to_wire(self) -> dict:
        return {"wall_s": self.wall_s, "cpu_s": self.cpu_s, "memory_mb": self.memory_mb,
                "open_files": self.open_files, "file_bytes": max(self.output_bytes * 4, 256 * 2**20)}


@dataclass
class ChildOutcome:
    frames: list[dict] = field(default_factory=list)
    status: int | None = None  # raw wait status
    timed_out: bool = False
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
    """One warm process with torch imported; runs one job at a time."""

    def __init__(self) -> None:
        self._stderr = tempfile.TemporaryFile()
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "grader.zygote"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._stderr, env=env, text=True, bufsize=1)
        self.ready = False

    def _read(self, timeout: float | None) -> dict | None:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        if not line:
            raise EOFError
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
            raise ZygoteError(f"grading worker failed to start: {self._stderr.read().decode(errors='replace')[-2000:]}")
        self.ready = True

    def run(self, plan_path: Path, limits: Limits, device: str, file: Path) -> ChildOutcome:
        """Run one job in a fresh child; always returns, whatever the child did."""
        self.wait_ready()
        work = Path(tempfile.mkdtemp(prefix="forwardlab-job-"))
        try:
            return self._run_in(work, plan_path, limits, device, file)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _run_in(self, work: Path, plan_path: Path, limits: Limits, device: str, file: Path) -> ChildOutcome:
        (work / "results").mkdir()
        (work / "scratch").mkdir()
        job = {"plan": str(plan_path), "file": str(file), "results": str(work / "results"), "output": str(work / "output.txt"),
               "scratch": str(work / "scratch"), "limits": limits.to_wire(), "device": device}
        outcome = ChildOutcome()
        try:
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
            started = self._read(30.0)
            pid = started["pid"] if started else None
            finished = self._read(limits.wall_s + 30.0)
            if finished is None:
                raise EOFError
        except (EOFError, BrokenPipeError, OSError, TypeError):
            # the child took the zygote down with it (or the zygote died): this job failed, the next one gets a new zygote
            outcome.worker_lost = True
            if pid := locals().get("pid"):
                _kill_group(pid)
            self.close()
        else:
            outcome.status, outcome.timed_out = finished["status"], finished["timed_out"]
            outcome.maxrss_mb, outcome.wall_s = finished["maxrss_kb"] / 1024, finished["wall_s"]
        outcome.frames, outcome.frame_error = read_frames(work / "results")
        outcome.output, outcome.output_bytes = read_output(work / "output.txt")
        return outcome

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def read_frames(results: Path) -> tuple[list[dict], str]:
    """Load the child's frames as plain data only (weights_only: no code, no tensor subclasses)."""
    import torch

    frames = []
    for path in sorted(results.glob("frame-*.pt")):
        try:
            frames.append(torch.load(path, weights_only=True))
        except Exception as err:  # noqa: BLE001 - a forged or corrupt frame ends the trusted part
            return frames, f"a result from your process could not be read as plain tensors ({type(err).__name__})"
    return frames, ""


def read_output(path: Path) -> tuple[str, int]:
    if not path.exists():
        return "", 0
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(OUTPUT_SHOWN)
    return head.decode(errors="replace"), size
