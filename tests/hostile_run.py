"""Grades hostile submissions in this process, as whichever user runs it, and reports what it saw.

A helper of tests/test_hostile.py, which runs it as root and as an unprivileged user (not a test
module). One grader, two workers: after each job it looks for anything the job left running (the
descendants of every idle worker; processes carrying this run's marker outside the busy workers'
trees); after all jobs, for files the jobs left
in the shared writable folders, System V IPC objects and POSIX queues, changes to the files the
learner's code must not touch (the progress store, the submissions), the
process's peak memory; then it grades a correct and a wrong file, and runs `grader check` on a few
files to see its exit code and text.

    python hostile_run.py CONFIG.json   (prints one JSON document)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text())
    os.environ.update(config["env"])
    from grader.course.progress import ProgressStore
    from grader.grading import Grader
    from grader.isolation.jail import shared_folders
    from grader.isolation.protocol import Limits

    store = ProgressStore()
    store.record_check({"exercise": "exercise1", "file": "x.py", "status": "fail", "checks": []})
    store.close()
    shared = shared_folders()
    before = {"files": set(entries(shared)), "ipc": set(ipc())}
    limits = Limits(**config["limits"])
    out: dict = {"reports": [], "uid": os.geteuid()}
    with Grader(jobs=2, limits=limits) as grader:
        for exercise in sorted({e for e, _ in config["files"]}):
            grader.prepared(exercise, "cpu")  # before any attack
        protected = digest(config["protected"])
        base_mb = peak_mb()
        for exercise in sorted({e for e, _ in config["files"]}):
            files = [f for e, f in config["files"] if e == exercise]

            def done(report) -> None:  # called by the thread of the worker that just finished: it is idle
                out["reports"].append({**report.to_dict(), "output": report.output,
                                       "left": left_running(grader.zygotes, config["env"]["FORWARDLAB_TEST_MARK"])})

            grader.check(exercise, files, on_done=done)
        zygotes = grader.zygotes
        out["jail"], out["separate_uids"] = zygotes[0].jail, any(z.job_uids for z in zygotes)
        uids = set().union(*(z.job_uids for z in zygotes)) or {os.geteuid()}
        own = (*(z.jobs_root for z in zygotes), Path(grader._tmp.name))  # the grader's own folders
        out["new_files"] = sorted(f"{p} (uid {u})" for p, u in set(entries(shared)) - before["files"]
                                  if u in uids and not any(Path(p) == o or o in Path(p).parents for o in own))
        out["ipc"] = sorted(f"{k} {i} (uid {u})" for k, i, u in set(ipc()) - before["ipc"] if u in uids)
        out["protected_changed"] = sorted(k for k, v in digest(config["protected"]).items() if protected.get(k) != v)
        out["peak_mb"], out["base_mb"] = peak_mb(), base_mb
        out["afterwards"] = {str(f): grader.check(e, [f])[0].status for e, f in config["afterwards"]}
    out["cli"] = cli(config) if config["cli_files"] else None
    print(json.dumps(out))


def left_running(zygotes: list, mark: str) -> list[str]:
    """Live processes below an idle worker, and marked ones below no busy worker (a process that
    escaped every tree), but the workers themselves and the processes they keep ready (a portable
    worker's warm template). A worker that started a job while we looked is left out: what is below it
    is that job's. psutil, not /proc: the portable isolation runs this on macOS and Windows too."""
    before = [(z.jobs_started, z.busy) for z in zygotes]
    table = {p.pid: (p.info["ppid"] or 0, p.info["status"], p.info["name"] or "")
             for p in psutil.process_iter(["ppid", "status", "name"])}
    idle = [z.proc.pid for z, snap in zip(zygotes, before, strict=True) if snap == (z.jobs_started, False)]
    busy = [z.proc.pid for z in zygotes if z.proc.pid not in idle]
    workers = {z.proc.pid for z in zygotes} | {pid for z in zygotes for pid in z.idle}
    marked = {pid for pid in table if carries(pid, mark)} - below(table, busy) - workers - {os.getpid()}
    left = (below(table, idle) - workers) | marked
    return [f"{pid} {table[pid][2]}" for pid in sorted(left) if table[pid][1] != psutil.STATUS_ZOMBIE]


def below(table: dict[int, tuple[int, str, str]], roots: list[int]) -> set[int]:
    found, todo = set(), list(roots)
    while todo:
        parent = todo.pop()
        for pid, (ppid, _, _) in table.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def carries(pid: int, mark: str) -> bool:
    try:
        return mark in psutil.Process(pid).environ().values()
    except (psutil.Error, OSError):
        return False


def entries(shared: list[str]) -> list[tuple[str, int]]:
    """(path, owner) of everything in the shared folders, into world-writable subfolders (bounded)."""
    found, todo = [], list(shared)
    while todo and len(found) < 200_000:
        folder = todo.pop()
        try:
            listing = list(os.scandir(folder))
        except OSError:
            continue
        for entry in listing:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            found.append((entry.path, info.st_uid))
            if entry.is_dir(follow_symlinks=False) and info.st_mode & 0o002:
                todo.append(entry.path)
    return found


def ipc() -> list[tuple[str, str, int]]:
    """(kind, id, owner) of every System V IPC object and POSIX message queue visible here."""
    objects = []
    for kind in ("shm", "sem", "msg"):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        except OSError:
            continue
        header = lines[0].split()
        for line in lines[1:]:
            row = dict(zip(header, line.split(), strict=False))
            objects += [(kind, row[header[1]], int(row[key])) for key in ("uid", "cuid")]
    with contextlib.suppress(OSError):
        objects += [("mq", e.name, e.stat().st_uid) for e in os.scandir("/dev/mqueue")]
    return objects


def digest(roots: list[str]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for root in roots for p in sorted(Path(root).rglob("*")) if p.is_file()}


def peak_mb() -> float:
    if sys.platform == "win32":
        return psutil.Process().memory_info().peak_wset / 2**20
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB on Linux


def cli(config: dict) -> dict:
    """`grader check` on a few hostile files, as text on a pipe: its exit code and what it printed."""
    command = [sys.executable, "-m", "grader", "check", "exercise2", *config["cli_files"], "--timeout",
               str(config["limits"]["wall_s"]), "--memory", str(config["limits"]["memory_mb"])]
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, timeout=600, cwd=config["cli_cwd"],
                          env={**os.environ, "COLUMNS": "200"})
    return {"code": done.returncode, "stdout": done.stdout.decode(errors="backslashreplace"),
            "stderr": done.stderr.decode(errors="backslashreplace")[-3000:], "seconds": time.monotonic() - start}


if __name__ == "__main__":
    main()
