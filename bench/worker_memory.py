"""Benchmark (c): peak memory per worker of the warm pool, against a cold `grader check`, same run.

Grades generated exercise2 and exercise3 submissions (correct and wrong, as in batch_throughput)
on a pool of --jobs warm zygotes, in this process, and prints:
  - the grading process (parent: prepared exercises, judging): peak RSS;
  - each zygote (torch imported, warmed up): peak RSS, and its PSS and USS (private) now;
  - the children (one per submission, forked from a zygote): peak RSS from wait4's ru_maxrss (the
    pages it touched, shared copy-on-write with the zygote or not), and peak USS (its private pages:
    what each submission really adds), sampled from /proc every few milliseconds while it runs;
  - a cold `grader check` (fresh process per submission): the peak RSS of its largest process.

    python bench/worker_memory.py [--count 40] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_throughput import generate


def proc_kb(pid: int, field: str, table: str = "status") -> int:
    """A `field: N kB` line of /proc/PID/status (or smaps_rollup)."""
    for line in Path(f"/proc/{pid}/{table}").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def uss_kb(pid: int) -> int:
    return proc_kb(pid, "Private_Clean", "smaps_rollup") + proc_kb(pid, "Private_Dirty", "smaps_rollup")


class ChildSampler:
    """Peak USS of every child of the given zygotes, sampled while they run."""

    def __init__(self, zygote_pids: list[int]) -> None:
        self.zygotes, self.peaks, self._stop = zygote_pids, {}, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            for zygote in self.zygotes:
                try:
                    pids = Path(f"/proc/{zygote}/task/{zygote}/children").read_text().split()
                    for pid in map(int, pids):
                        self.peaks[pid] = max(self.peaks.get(pid, 0), uss_kb(pid))
                except (OSError, ValueError):
                    pass  # the child ended between the listing and the reading

    def stop(self) -> list[int]:
        self._stop.set()
        self._thread.join()
        return [kb for kb in self.peaks.values() if kb]


def cold_peak_kb(exercise: str, path: Path) -> int:
    """The largest process of one cold `grader check`, measured from a fresh process of its own
    (RUSAGE_CHILDREN there counts that check's processes only, not this run's zygotes)."""
    probe = ("import resource, subprocess, sys; "
             "subprocess.run(sys.argv[1:], capture_output=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "grader", "check", exercise, str(path),
                           "--json"], capture_output=True, text=True, env=dict(os.environ), check=True)
    return int(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="forwardlab-bench-"))
    os.environ.update(FORWARDLAB_DATA_DIR=str(tmp / "data"), FORWARDLAB_CACHE_DIR=str(tmp / "cache"))
    files = generate(tmp / "submissions", args.count)

    from grader.grading import Grader

    children: dict[str, list[float]] = {}
    with Grader(jobs=args.jobs) as grader:
        for zygote in grader.zygotes:
            zygote.wait_ready()
        sampler = ChildSampler([z.proc.pid for z in grader.zygotes])
        for exercise, paths in files.items():
            prep = grader.prepared(exercise, "cpu")
            for i, path in enumerate(paths):
                zygote = grader.zygotes[i % args.jobs]
                outcome = zygote.run(prep.plan_path, prep.limits, prep.device, path)
                children.setdefault(exercise, []).append(outcome.maxrss_mb * 1024)
        child_uss = sampler.stop()
        zygotes = [(z.proc.pid, proc_kb(z.proc.pid, "VmHWM"), proc_kb(z.proc.pid, "Pss", "smaps_rollup"),
                    uss_kb(z.proc.pid)) for z in grader.zygotes]
    parent_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    exercise, paths = next(iter(files.items()))
    cold_kb = cold_peak_kb(exercise, paths[0])

    print(f"grading process (parent, {len(files)} exercises prepared): peak RSS {mb(parent_kb)}")
    for pid, hwm, pss, uss in zygotes:
        print(f"zygote {pid}: peak RSS {mb(hwm)}; PSS {mb(pss)}, USS (private) {mb(uss)}")
    for exercise, peaks in children.items():
        print(f"children, {exercise} ({len(peaks)}): peak RSS median {mb(statistics.median(peaks))}, "
              f"max {mb(max(peaks))}")
    if child_uss:
        print(f"children, all ({len(child_uss)} sampled): peak USS median {mb(statistics.median(child_uss))}, "
              f"max {mb(max(child_uss))}")
    worker = statistics.mean(uss for *_, uss in zygotes) + max(child_uss or [0])
    print(f"one warm worker (zygote USS + its worst child's USS): {mb(worker)}")
    print(f"cold `grader check` (one process per submission): its largest process peaks at {mb(cold_kb)}, "
          f"{cold_kb / worker:.1f}x one warm worker")
    pool = parent_kb + args.jobs * worker
    print(f"pool of {args.jobs} in all (parent peak + {args.jobs} workers): {mb(pool)}; "
          f"{args.jobs} cold checks side by side: over {mb(args.jobs * cold_kb)} ({args.jobs * cold_kb / pool:.1f}x)")


if __name__ == "__main__":
    main()
