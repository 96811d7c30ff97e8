"""The zygote: a process that imports torch once, then forks one isolated child per job.

Protocol on stdin/stdout, one JSON object per line:
  parent -> {"plan": file, "file": the submission's path, "source": the grader's copy of it,
             "results": file, "output": file, "scratch": dir, "hidden": [dirs], "limits": {...}, "device": ...}
  zygote -> {"ready": true, "separate_uids": bool, "jail": {...}} once torch is loaded
  zygote -> {"pid": N, "uid": U or null}, then {"pid": N, "status": raw wait status, "timed_out": bool,
             "output_exceeded": bool, "maxrss_kb": K, "cpu_s": s, "leftover": processes killed, "wall_s": s}
Before forking, the zygote adds to each job what the kernel allows here (grader.isolation.jail.probe),
the shared writable folders, the descriptors of the import path's "bridges" (system.bridge_point) and,
as root, a uid of the job's own (grader.isolation.uids: fresh for every job). It enforces the
wall-clock and output limits itself, so a hung or flooding child never outlives its job even if the
parent is gone. When the child ends it kills everything the child started: the zygote is a
subreaper, so even a double-forked daemon that called setsid stays its descendant, and anything still
running as the job's uid belongs to the job; then it clears the uid (files, IPC) before letting it go.
Started with a neutral working folder and -P (grader.isolation.worker): no file next to a submission
is ever imported here. See docs/threat-model.md.
"""


import contextlib
import gc
import json
import os
import select
import signal
import sys
import time

from grader.isolation import jail
from grader.isolation.system import PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE, open_bridges, prctl, sweep
from grader.isolation.uids import UidPool


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


def serve() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of our children come to us, not to init
    prctl(PR_SET_DUMPABLE, 0)  # a child running as our own user cannot read our memory or descriptors
    shared = jail.shared_folders()
    kernel = jail.probe(shared)
    uids = UidPool(shared)
    covered = shared if kernel["namespaces"] else []
    needed = [p for p in sys.path if os.path.isabs(p)]  # by name, before they are rerouted
    bridges = open_bridges(needed, uids.usable, covered)
    import torch  # noqa: F401  - the whole point: children inherit an imported torch

    import grader.isolation.child

    grader.isolation.child.reroute(bridges)
    grader.isolation.child.warm_up()
    gc.freeze()  # children never scan (so never copy-on-write) the objects they inherit: ~40% less CPU a job
    _send({"ready": True, "separate_uids": uids.usable, "jail": kernel})
    warmed: set[str] = set()
    for line in sys.stdin:
        uid = uids.claim()
        if uids.usable and uid is None:  # never run a job as root instead
            _send({"refused": "no uid of its own is free for this job (every one is held or being cleared)"})
            continue
        job = json.loads(line)
        folder = os.path.dirname(job["file"])
        own = open_bridges([folder], uids.usable, covered)  # the submission's folder, when out of reach by name
        job.update(uid=uid, bridges={**bridges, **own}, jail=kernel, shared=shared)
        if kernel["landlock"]:
            hidden = jail.hidden_paths([*job["hidden"], os.path.dirname(os.path.dirname(job["results"]))], folder,
                                       needed, uids.usable)
            readable = [f"/proc/self/fd/{own[folder]}" if folder in own else folder, *sys.path]
            job["readable"] = jail.read_rules(tuple(hidden), tuple(p for p in readable if os.path.isabs(p)))
        for name in set(job.get("warm", ())) & set(grader.isolation.child.WARM_UPS) - warmed:
            grader.isolation.child.WARM_UPS[name]()  # before the fork, so that this child and all later ones inherit it
            warmed.add(name)
            gc.freeze()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                grader.isolation.child.main(job)
            finally:
                os._exit(grader.isolation.child.CHILD_FAILED)
        for fd in own.values():
            os.close(fd)
        _send({"pid": pid, "uid": uid})
        result = _wait(pid, job)
        left = _clean_up(uids, uid)
        _send({"pid": pid, **result, "leftover": left, "wall_s": time.monotonic() - start})


def _clean_up(uids: UidPool, uid: int | None) -> int:
    """Kill whatever the job started and left behind (the count), then clear its uid. Whatever goes
    wrong here (a tree no one can remove, say) must not end this zygote: the next job is cleared first."""
    left = 0
    try:
        left = sweep(uid=uid, root=os.getpid())
        if uid is not None:
            uids.release(uid)
    except Exception:  # noqa: BLE001 - see the docstring: the next claim clears the uid again
        pass
    return left


if __name__ == "__main__":
    serve()
