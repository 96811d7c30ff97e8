"""The zygote: a process that imports torch once, then forks one isolated child per job.

Protocol on stdin/stdout, one JSON object per line:
  parent -> {"plan": ..., "results": dir, "output": file, "scratch": dir, "limits": {...}, "device": ...}
  zygote -> {"ready": true} once torch is loaded
  zygote -> {"pid": N}, then {"pid": N, "status": raw wait status, "timed_out": bool, "maxrss_kb": K, "wall_s": s}
The zygote enforces the wall-clock limit itself (it kills the child's whole process group), so a
hung child never outlives its job even if the parent is gone.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time


def _send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _kill_group(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def _wait(pid: int, wall_s: float) -> tuple[int, bool, int]:
    """Wait for the child, killing its process group at the deadline. (status, timed_out, maxrss_kb)."""
    deadline = time.monotonic() + wall_s
    timed_out = False
    delay = 0.0005
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            _kill_group(pid)  # whatever it started and left behind goes with it
            return status, timed_out, usage.ru_maxrss
        if not timed_out and time.monotonic() > deadline:
            timed_out = True
            _kill_group(pid)
        time.sleep(delay)
        delay = min(delay * 2, 0.01)


def serve() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    import torch  # noqa: F401  - the whole point: children inherit an imported torch

    import grader.child

    grader.child.warm_up()
    _send({"ready": True})
    for line in sys.stdin:
        job = json.loads(line)
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            grader.child.main(job)
        _send({"pid": pid})
        status, timed_out, maxrss = _wait(pid, float(job["limits"]["wall_s"]))
        _send({"pid": pid, "status": status, "timed_out": timed_out, "maxrss_kb": maxrss,
               "wall_s": time.monotonic() - start})


if __name__ == "__main__":
    serve()
