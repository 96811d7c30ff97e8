"""The zygote: a process that imports torch once, then forks one isolated child per job.

Protocol on stdin/stdout, one JSON object per line:
  parent -> {"plan": ..., "results": dir, "output": file, "scratch": dir, "limits": {...}, "device": ...}
  zygote -> {"ready": true, "uid": N or null} once torch is loaded
  zygote -> {"pid": N}, then {"pid": N, "status": raw wait status, "timed_out": bool,
             "output_exceeded": bool, "maxrss_kb": K, "cpu_s": s, "leftover": processes killed, "wall_s": s}
Before forking, the zygote adds to each job the uid its child switches to and the descriptors
of the import path's "bridges" (see `bridge_point`). It enforces the wall-clock and output limits
itself, so a hung or flooding child never outlives its job even if the parent is gone. When the
child ends it kills everything the child started: the zygote is a subreaper, so even a
double-forked daemon that called setsid stays its descendant, and when it runs as root each
zygote's children run as a uid of their own (claimed with a lock file, see `claim_uid`), so
anything still running as that uid belongs to the job. See docs/threat-model.md.
"""


import contextlib
import gc
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time

from grader.isolation.system import PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE, claim_uid, open_bridges, prctl, sweep


def _send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()



# --- one job ---------------------------------------------------------------------------------

def _output_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _wait(pid: int, job: dict) -> dict:
    """Wait for the child, killing it at the wall-clock deadline or when its output passes the limit;
    orphans adopted meanwhile are reaped as they end."""
    limits = job["limits"]
    deadline = time.monotonic() + float(limits["wall_s"])
    max_output = int(limits.get("output_bytes", 1 << 62))
    result = {"timed_out": False, "output_exceeded": False}
    delay = 0.0005
    exited = _exit_notifier(pid)
    while True:
        done, status, usage = os.wait4(-1, os.WNOHANG)
        if done == pid:
            if exited is not None:
                os.close(exited)
            return {**result, "status": status, "maxrss_kb": usage.ru_maxrss,
                    "cpu_s": usage.ru_utime + usage.ru_stime}
        if done:
            continue  # an adopted orphan ended: look again at once
        stop = None
        if time.monotonic() > deadline:
            stop = "timed_out"
        elif _output_size(job["output"]) > max_output:
            stop = "output_exceeded"
        if stop and not (result["timed_out"] or result["output_exceeded"]):
            result[stop] = True
            _kill_group(pid)
        if exited is not None:
            select.select([exited], [], [], delay)  # wakes the moment the child ends
        else:
            time.sleep(delay)
        delay = min(delay * 2, 0.01)  # the output limit and adopted orphans are looked at this often


def _exit_notifier(pid: int) -> int | None:
    """A descriptor that becomes readable when `pid` exits (Linux pidfd), or None where there is none."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _kill_group(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            target()


def _remove_leftover_files(uid: int) -> None:
    """Files the job's uid left in the shared temporary folders (it cannot write anywhere else)."""

    for folder in {tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"}:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def serve() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of our children come to us, not to init
    prctl(PR_SET_DUMPABLE, 0)  # a child running as our own user cannot read our memory or descriptors
    uid = claim_uid()
    bridges = open_bridges(sys.path) if uid is not None else {}
    import torch  # noqa: F401  - the whole point: children inherit an imported torch

    import grader.isolation.child

    grader.isolation.child.warm_up()
    gc.freeze()  # children never scan (so never copy-on-write) the objects they inherit: ~40% less CPU a job
    _send({"ready": True, "uid": uid})
    warmed: set[str] = set()
    for line in sys.stdin:
        job = {**json.loads(line), "uid": uid, "bridges": bridges}
        for name in set(job.get("warm", ())) & set(grader.isolation.child.WARM_UPS) - warmed:
            grader.isolation.child.WARM_UPS[name]()  # before the fork, so that this child and all later ones inherit it
            warmed.add(name)
            gc.freeze()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            grader.isolation.child.main(job)
        _send({"pid": pid})
        result = _wait(pid, job)
        left = sweep(uid=uid, root=os.getpid())  # whatever it started and left behind goes with it
        if uid is not None:
            _remove_leftover_files(uid)
        _send({"pid": pid, **result, "leftover": left, "wall_s": time.monotonic() - start})


if __name__ == "__main__":
    serve()
