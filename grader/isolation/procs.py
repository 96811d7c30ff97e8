"""Finding and ending a job's processes on every platform, with psutil instead of /proc (portable isolation).

A job's processes are found by what they cannot shed without effort: the session the child leads (POSIX:
every process it starts is in it unless it calls setsid) and a marker in the environment (`JOB_ENV`,
inherited by everything it starts unless a process replaces its whole environment). On Windows the
job object (grader.isolation.winjob) holds them all. `sweep` kills what it finds, again and again until
nothing is left, so that a fork bomb cannot outrun it. Imports only psutil and the standard library.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import psutil

JOB_ENV = "FORWARDLAB_JOB"  # set in the child to the job's own token before the learner's code runs
WORKER_ENV = "FORWARDLAB_WORKER"  # set by the parent on each worker: everything the worker starts carries it


def carries(proc: psutil.Process, name: str, value: str) -> bool:
    """Whether `proc`'s environment holds name=value (False when it cannot be read, or it ended)."""
    try:
        return proc.environ().get(name) == value
    except (psutil.Error, OSError):
        return False


def _session(pid: int) -> int | None:
    getsid = getattr(os, "getsid", None)  # POSIX only
    if getsid is None:
        return None
    try:
        return int(getsid(pid))
    except OSError:
        return None


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def job_processes(token: str, session: int | None = None, spare: frozenset[int] = frozenset()) -> list[psutil.Process]:
    """Live processes of the job: in the child's `session` (POSIX), or carrying JOB_ENV=`token`."""
    found = []
    for proc in psutil.process_iter():
        if proc.pid in spare or proc.pid == os.getpid():
            continue
        if (session is not None and _session(proc.pid) == session) or carries(proc, JOB_ENV, token):
            found.append(proc)
    return [p for p in found if _alive(p)]


def worker_processes(token: str) -> list[psutil.Process]:
    """Live processes started, directly or not, by the worker marked WORKER_ENV=`token`."""
    return [p for p in psutil.process_iter() if p.pid != os.getpid() and carries(p, WORKER_ENV, token) and _alive(p)]


def sweep(find: Callable[[], list[psutil.Process]], rounds: int = 200) -> int:
    """Kill everything `find` returns, until it returns nothing (or `rounds` passes); the number killed."""
    killed = 0
    for _ in range(rounds):
        victims = find()
        if not victims:
            break
        for proc in victims:
            try:
                proc.kill()
                killed += 1
            except psutil.Error:
                pass
        time.sleep(0.002)
    return killed


def usage(procs: list[psutil.Process]) -> tuple[float, int]:
    """(CPU seconds, resident bytes) of the one of `procs` that used the most of each: the limits are
    per process, as rlimits are. Processes that ended are skipped."""
    cpu, rss = 0.0, 0
    for proc in procs:
        try:
            times = proc.cpu_times()
            cpu = max(cpu, times.user + times.system)
            rss = max(rss, proc.memory_info().rss)
        except psutil.Error:
            continue
    return cpu, rss
