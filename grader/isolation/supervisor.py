"""The portable zygote: what grader.isolation.zygote does, without fork, /proc or prctl (macOS, Windows,
and Linux with FORWARDLAB_ISOLATION=portable).

It speaks the zygote's protocol on stdin/stdout (see grader.isolation.zygote, and `serve` for what it
adds), so the parent drives both alike (grader.isolation.portable). It never imports torch: each job's
child is a warm template (grader.isolation.template), a fresh interpreter started with spawn that
imported torch after the job before it ended. For each job the supervisor takes the warm template,
hands the job over, copies the child's output into the job's output file up to its limit, and
enforces the wall-clock and output limits itself; memory and CPU time are the platform's to enforce
(rlimits on POSIX, the job object on Windows: grader.isolation.winjob), and it watches both as a
backstop where those are weak (macOS enforces no address-space limit: a child past its memory limit
is stopped and reported with "memory_exceeded"). When the child ends it kills everything the job
started (grader.isolation.procs), reports how the child ended as a POSIX wait status on every
platform, and starts the next template.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from typing import IO, Any

import psutil

from grader.isolation import procs, system
from grader.isolation.template import READY

SIGKILL, SIGXCPU = 9, 24  # as numbered on Linux and macOS: the wait statuses reported use these
POSIX = os.name == "posix"
SAMPLE_S = 0.05  # how often the child's memory and CPU time are looked at
OUTPUT_SLACK = 65536  # bytes written past the output limit before the flood is cut off in the file


def _send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class Template:
    """A spawned interpreter warming up, then waiting for its job; then that job's child."""

    def __init__(self, warm: tuple[str, ...]) -> None:
        command = [sys.executable, "-P", "-m", "grader.isolation.template", *warm]
        # a session (POSIX) or process group (Windows: CREATE_NEW_PROCESS_GROUP) of its own: every process
        # the job starts is in it unless it leaves
        extra: dict[str, Any] = {"start_new_session": True} if POSIX else {"creationflags": 0x200}
        # in its environment from the start, so that even a forked process that never exec'd shows it
        self.token = uuid.uuid4().hex
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env={**os.environ, procs.JOB_ENV: self.token}, **extra)
        self.pid = self.proc.pid
        self.process = psutil.Process(self.pid)
        self.warm = warm
        self.ready, self.exited, self._assigned = threading.Event(), threading.Event(), threading.Event()
        self.status, self.cpu_s, self.maxrss_kb = 0, 0.0, 0
        self.written = 0  # bytes the child printed
        self._sink: IO[bytes] | None = None
        self._cap = 0
        self._threads = [threading.Thread(target=target, daemon=True) for target in (self._pump, self._wait)]
        for thread in self._threads:
            thread.start()

    @property
    def alive(self) -> bool:
        return not self.exited.is_set()

    def _pump(self) -> None:
        """Start-up noise to our stderr until READY; then the job's output into its file, up to the cap."""
        stream = self.proc.stdout
        assert isinstance(stream, io.BufferedReader)
        for line in iter(stream.readline, b""):
            if line.rstrip(b"\r\n") == READY.encode():
                break
            sys.stderr.buffer.write(line)
        else:
            self.ready.set()  # it ended before it was warm: whoever waits for it sees that
            return
        self.ready.set()
        self._assigned.wait()
        while chunk := stream.read1(65536):
            room = self._cap - self.written
            if room > 0 and self._sink is not None:
                self._sink.write(chunk[:room])
                self._sink.flush()
            self.written += len(chunk)

    def _wait(self) -> None:
        """Wait for the process to end; keep its wait status and resource usage."""
        if POSIX:
            _, status, usage = os.wait4(self.pid, 0)
            self.proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for it again
            self.status, self.cpu_s = status, usage.ru_utime + usage.ru_stime
            self.maxrss_kb = usage.ru_maxrss // (1024 if sys.platform == "darwin" else 1)  # bytes on macOS
        else:
            self.status = windows_status(self.proc.wait())
        self.exited.set()

    def give(self, job: dict) -> None:
        """Hand over `job`: from now on what it prints goes to job["output"]."""
        self._sink = open(job["output"], "wb")  # noqa: SIM115 - closed in finish()
        self._cap = int(job["limits"].get("output_bytes", 1 << 62)) + OUTPUT_SLACK
        self._assigned.set()
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            stdin.write((json.dumps(job) + "\n").encode())
            stdin.close()
        except OSError:  # it died while waiting: the job ends as it ended
            pass

    def finish(self) -> None:
        """After the job's processes are gone: the last of its output, then close everything."""
        self._assigned.set()
        self._threads[0].join(timeout=2.0)
        for stream in (self.proc.stdin, self.proc.stdout, self._sink):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def kill(self) -> None:
        """Kill the process and, on POSIX, its whole process group (the job's session)."""
        try:
            if POSIX:
                os.killpg(self.pid, signal.SIGKILL)
            else:
                self.proc.kill()
        except OSError:
            pass


def windows_status(code: int) -> int:
    """A Windows exit code as a POSIX wait status: a crash (an NTSTATUS) as the signal it matches."""
    crashes = {0xC0000005: 11, 0xC00000FD: 11, 0xC0000409: 6, 0xC000001D: 4, 0xC0000094: 8}  # SEGV, ABRT, ILL, FPE
    code &= 0xFFFFFFFF
    return crashes[code] if code in crashes else (code & 0xFF) << 8


class Pool:
    """Warm templates: one (or `size`) always warming or waiting, so that a job seldom waits for torch."""

    def __init__(self, size: int = 1) -> None:
        self.size = size
        self.warm: tuple[str, ...] = ()  # the warm-ups every template pays (grader.isolation.child.WARM_UPS)
        self.waiting: list[Template] = []

    def take(self, warm: tuple[str, ...]) -> Template:
        """A warm template that has paid the warm-ups `warm` names; started now if none is waiting."""
        if not set(warm) <= set(self.warm):
            self.warm = tuple(sorted({*self.warm, *warm}))
            self.stop()  # they lack a warm-up this job needs
        for _attempt in range(3):
            template = self.waiting.pop(0) if self.waiting else Template(self.warm)
            template.ready.wait()
            if template.alive:
                return template
            template.finish()
        raise RuntimeError("the grading worker's template process keeps failing to start (see the output above)")

    def refill(self) -> None:
        self.waiting = [t for t in self.waiting if t.alive]
        while len(self.waiting) < self.size:
            self.waiting.append(Template(self.warm))

    @property
    def pids(self) -> frozenset[int]:
        return frozenset(t.pid for t in self.waiting)

    def stop(self) -> None:
        for template in self.waiting:
            template.kill()
            template.exited.wait(5)
            template.finish()
        self.waiting = []


def run_job(template: Template, job: dict, pool: Pool) -> dict:
    """Run `job` in `template`, enforce its limits, end whatever it started; the zygote's report of it."""
    limits, start = job["limits"], time.monotonic()
    deadline, max_output = start + float(limits["wall_s"]), int(limits.get("output_bytes", 1 << 62))
    spent_s, resident = procs.usage([template.process])  # what warming up used: not the job's
    memory = resident + int(limits["memory_mb"]) * 2**20
    cpu_cap = max(1, int(limits["cpu_s"])) + 1.5  # past RLIMIT_CPU's own SIGKILL: a backstop only
    winjob = _job_object(template, limits, spent_s)
    template.give(job)
    result = {"timed_out": False, "output_exceeded": False, "memory_exceeded": False}
    stopped, sampled, delay = None, 0.0, 0.0005
    while not template.exited.wait(delay):
        delay, now = min(delay * 2, 0.01), time.monotonic()
        if stopped is not None:
            continue
        if now > deadline:
            stopped = "timed_out"
        elif template.written > max_output:
            stopped = "output_exceeded"
        elif now - sampled > SAMPLE_S:
            sampled = now
            cpu_s, rss = procs.usage([template.process])
            stopped = "memory_exceeded" if rss > memory else "cpu" if cpu_s - spent_s > cpu_cap else None
        if stopped is not None:
            if stopped in result:
                result[stopped] = True
            template.kill()
            if winjob is not None:
                winjob.end()
    leftover = _sweep(template, pool)
    if winjob is not None:
        leftover += winjob.end()
        template.cpu_s = winjob.cpu_s()
        winjob.close()
    template.cpu_s = max(0.0, template.cpu_s - spent_s)
    template.finish()
    status = template.status
    if stopped in ("memory_exceeded", "cpu") or (not POSIX and stopped is not None):
        status = SIGXCPU if stopped == "cpu" else SIGKILL  # as the kernel would have ended it on POSIX
    return {**result, "status": status, "maxrss_kb": template.maxrss_kb, "cpu_s": template.cpu_s,
            "leftover": leftover, "wall_s": time.monotonic() - start}


def _job_object(template: Template, limits: dict, spent_s: float) -> Any:
    """(Windows) the job object the child runs in, with the job's limits on top of what warming up
    used (committed memory: psutil's vms on Windows); None elsewhere."""
    if POSIX:
        return None
    from grader.isolation.winjob import Job

    handle = int(template.proc._handle)  # type: ignore[attr-defined]  # Popen's process handle (Windows)
    memory = template.process.memory_info().vms + int(limits["memory_mb"]) * 2**20
    return Job(handle, spent_s + float(limits["cpu_s"]), memory, int(limits.get("processes", 64)))


def _sweep(template: Template, pool: Pool) -> int:
    """Kill every process the job left running: in its session, or carrying its template's token."""
    session = template.pid if POSIX else None
    return procs.sweep(lambda: procs.job_processes(template.token, session, spare=pool.pids))


def serve(pool_size: int = 1) -> None:
    """Answer the zygote's protocol (see grader.isolation.zygote), plus {"op": "warm"} -> {"warm": true}
    once a template is warm, and "memory_exceeded" in a job's report. Answers name the idle templates'
    pids ("idle"): the parent spares them when it looks for what a job left running."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    system.prctl(system.PR_SET_DUMPABLE, 0)  # (Linux) no child of our user reads our memory or pipes
    pool = Pool(pool_size)
    pool.waiting.append(pool.take(()))  # torch imported once, before we say we are ready
    _send({"ready": True, "uid": None, "idle": sorted(pool.pids)})
    try:
        for line in sys.stdin:
            request = json.loads(line)
            template = pool.take(tuple(request.get("warm", ())))
            if request.get("op") == "warm":
                pool.waiting.insert(0, template)
                _send({"warm": True, "idle": sorted(pool.pids)})
                continue
            _send({"pid": template.pid})
            report = run_job(template, request, pool)
            pool.refill()  # after the job, not during it: a job never shares the CPU with a warming template
            _send({"pid": template.pid, **report, "idle": sorted(pool.pids)})
    finally:
        pool.stop()


if __name__ == "__main__":
    serve()
