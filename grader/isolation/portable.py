"""Which isolation runs the learner's code, and the parent's side of the portable one.

Two implementations sit behind one seam, `Zygote.run(...) -> ChildOutcome` (grader.isolation.worker):
  fork      Linux: a zygote imports torch once and forks one child per job (grader.isolation.zygote),
            with the Linux-only hardening of docs/threat-model.md. The default on Linux.
  portable  macOS, Windows (where it is the default), or Linux with FORWARDLAB_ISOLATION=portable:
            a supervisor (grader.isolation.supervisor) runs each job in a warm template started with
            spawn (grader.isolation.template), and finds and ends processes with psutil.
Both run the same plan with the same code (grader.isolation.child.run), write the same frames and are
judged the same way. `start_worker` starts a worker of the mode in use.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading

from grader.errors import UsageError
from grader.isolation.procs import sweep as sweep_processes
from grader.isolation.procs import worker_processes
from grader.isolation.worker import Zygote, ZygoteError

ISOLATION_ENV = "FORWARDLAB_ISOLATION"
MODES = ("fork", "portable")


def isolation_mode() -> str:
    """"fork" or "portable": FORWARDLAB_ISOLATION when set, else fork on Linux and portable elsewhere."""
    value = os.environ.get(ISOLATION_ENV, "").strip().lower()
    linux = sys.platform.startswith("linux")
    if not value:
        return "fork" if linux else "portable"
    if value not in MODES:
        raise UsageError(f"{ISOLATION_ENV}={value!r} is not an isolation mode; valid: fork (Linux only), portable")
    if value == "fork" and not linux:
        raise UsageError(f"{ISOLATION_ENV}=fork needs Linux; on {sys.platform} use portable (the default here)")
    return value


def start_worker(sandbox: bool = False) -> Zygote:
    """A warm worker of the isolation mode in use, starting now (it imports torch while the caller works)."""
    return PortableWorker(sandbox) if isolation_mode() == "portable" else Zygote(sandbox)


class PortableWorker(Zygote):
    """The parent's handle on a supervisor: the zygote's protocol, read by a thread (pipes cannot be
    select()ed on Windows), and leftovers found with psutil."""

    ENTRY = "grader.isolation.supervisor"

    def __init__(self, sandbox: bool = False) -> None:
        super().__init__(sandbox)
        self._lines: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        threading.Thread(target=self._reader, name="portable-worker-reader", daemon=True).start()

    def _reader(self) -> None:
        stream = self.proc.stdout.buffer  # type: ignore[union-attr]  # a pipe: Zygote starts it so
        try:
            for line in iter(stream.readline, b""):
                self._lines.put(line)
        except (OSError, ValueError):  # closed under us (close())
            pass
        self._lines.put(None)

    def _read(self, timeout: float | None) -> dict | None:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if line is None:
            self._lines.put(None)  # every later read sees the end too
            raise EOFError
        message = json.loads(line)
        if isinstance(message, dict) and isinstance(message.get("idle"), list):
            self.idle = frozenset(int(pid) for pid in message["idle"])
        return message

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Started, and a template warm for the next job (each job uses one up: after a job, the next
        warms up). So a caller that times a job times the job alone."""
        super().wait_ready(timeout)
        try:
            self._stdin.write(json.dumps({"op": "warm"}) + "\n")
            self._stdin.flush()
            message = self._read(timeout)
        except (OSError, EOFError):
            message = None
        if not message or not message.get("warm"):
            self.close()
            raise ZygoteError("the grading worker could not start a process for the next job")

    def _sweep(self) -> None:
        sweep_processes(lambda: worker_processes(self.token))


SAFEGUARDS = ("time", "memory", "processes", "separate uid", "no-new-privs", "sandbox")


def safeguards(mode: str) -> dict[str, str]:
    """What the isolation `mode` enforces on this machine, each as how it does (or "no: why not"),
    keyed by SAFEGUARDS. Cheap: it starts nothing (grader doctor)."""
    import shutil

    root = os.name == "posix" and os.geteuid() == 0
    linux, windows = sys.platform.startswith("linux"), sys.platform == "win32"
    bwrap = ("available with --sandbox (bubblewrap: no network, read-only files)" if shutil.which("bwrap")
             else "no: install bubblewrap for --sandbox") if linux else "no: bubblewrap exists on Linux only"
    if mode == "fork":
        return {"time": "yes: the zygote's wall clock, and RLIMIT_CPU",
                "memory": "yes: RLIMIT_AS",
                "processes": ("yes: RLIMIT_NPROC on the job's own uid" if root else
                              "yes: RLIMIT_NPROC (counted over all of your processes)"),
                "separate uid": "yes: a uid of the job's own" if root else "no: needs the grader to run as root",
                "no-new-privs": "yes: PR_SET_NO_NEW_PRIVS" if root else "no: only with a uid of the job's own",
                "sandbox": bwrap}
    return {"time": "yes: the supervisor's wall clock, and " + ("the job object's CPU limit" if windows
                                                                 else "RLIMIT_CPU"),
            "memory": ("yes: the job object's committed-memory limit" if windows else "yes: RLIMIT_AS" if linux
                       else "yes: the supervisor watches resident memory (every 50 ms)"),
            "processes": ("yes: the job object's limit on processes" if windows
                          else "no: RLIMIT_NPROC does not bind root" if root
                          else "yes: RLIMIT_NPROC (counted over all of your processes)"),
            "separate uid": "no: portable isolation runs your code as you",
            "no-new-privs": "no: portable isolation (fork isolation on Linux has it as root)",
            "sandbox": bwrap}
