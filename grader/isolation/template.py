"""A warm template (portable isolation): a fresh interpreter that imports torch, waits for one job, then
becomes that job's child.

grader.isolation.supervisor starts it with spawn, never fork, while the job before runs, so that a job
finds torch imported already. It prints `READY` on stdout once warm, then reads one JSON line from stdin:
the job as grader.isolation.zygote receives it; end of input means there is no job, and it exits. Its
environment holds a token of its own from the start (grader.isolation.procs.JOB_ENV): whatever the job
starts carries it. Its stdout and stderr are a
pipe that the supervisor copies into the job's capped output file.

`isolate` applies what the platform offers: on POSIX (macOS, Linux) its own session (the supervisor
started it in one), umask, the rlimits of grader.isolation.child.posix_limits, the address-space limit
where the kernel enforces it (Linux), a process limit for an ordinary user; on Windows the supervisor
has put it in a job object (grader.isolation.winjob). Then grader.isolation.child.run runs the plan:
the same code as in the fork-based child. Nothing here reads /proc or needs fork.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import tempfile
import time

from grader.isolation import system

READY = "forwardlab-template-ready"


def isolate(job: dict) -> None:
    """Everything between receiving the job and running the learner's code (see the module docstring)."""
    import torch

    from grader.isolation import child

    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    child._read_inputs_now(job)
    job["results_fd"] = child._create(job["results"])  # the frames go here (child.Frames), as in the fork child
    if sys.platform != "win32":
        os.umask(0o077)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a flood gets EFBIG errors, not a silent kill
        job["results_fd"] = child._out_of_the_way(job["results_fd"])
        child._close_all_but({job["results_fd"]})
        child.posix_limits(job["limits"], spent_s=time.process_time())  # warming up used some already
        _memory_and_processes(job)
    scratch = job["scratch"]
    os.chdir(scratch)
    os.environ.update(HOME=scratch, USERPROFILE=scratch, TMPDIR=scratch, TEMP=scratch, TMP=scratch)
    tempfile.tempdir = None
    torch.set_num_threads(1)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    system.prctl(system.PR_SET_DUMPABLE, 1)  # (Linux) what this job starts may be inspected and swept


def _memory_and_processes(job: dict) -> None:
    """The address-space limit where the kernel enforces one (Linux: macOS ignores it, so the supervisor
    watches memory there), and for an ordinary user a process limit on top of what already runs."""
    import resource

    import psutil

    from grader.isolation.child import _limit

    limits = job["limits"]
    if sys.platform == "linux" and job.get("device") != "cuda":  # CUDA maps huge address ranges
        _limit(resource.RLIMIT_AS, psutil.Process().memory_info().vms + int(limits["memory_mb"]) * 2**20)
    if os.geteuid() != 0:  # RLIMIT_NPROC counts the user's threads (Linux) or processes (macOS): allow those too
        me = os.getuid()
        running = [p.info for p in psutil.process_iter(["uids", "num_threads"])
                   if p.info["uids"] is not None and p.info["uids"].real == me]
        count = sum(i["num_threads"] or 1 for i in running) if sys.platform == "linux" else len(running)
        _limit(resource.RLIMIT_NPROC, count + int(limits.get("processes", 64)))


def _no_error_dialogs() -> None:
    """(Windows) a crash ends the process at once instead of opening a dialog that waits for a click;
    inherited by whatever the job starts."""
    if sys.platform == "win32":
        import ctypes

        sem_failcriticalerrors, sem_nogpfaulterrorbox = 0x0001, 0x0002
        ctypes.windll.kernel32.SetErrorMode(sem_failcriticalerrors | sem_nogpfaulterrorbox)


def main(warm: list[str]) -> None:
    """Warm up (torch, the child's modules, the warm-ups named in `warm`), wait for the job, run it; never returns."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when we stop
    _no_error_dialogs()
    system.prctl(system.PR_SET_DUMPABLE, 0)  # (Linux) while it waits, no process of this user reads its memory
    from grader.isolation import child

    child.warm_up()
    for name in warm:
        child.WARM_UPS[name]()
    gc.freeze()  # the job's garbage collections never scan what warming up made
    sys.stdout.write(READY + "\n")
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        os._exit(0)
    child.main(json.loads(line), isolate)


if __name__ == "__main__":
    main([name for name in sys.argv[1:] if name])
