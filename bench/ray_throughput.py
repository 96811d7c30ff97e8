"""Benchmark: the Ray backend beside the local pool, on this machine, same submissions, same run.

Generates distinct exercise2 submissions (bench/batch_throughput.py's variants: correct and wrong
mixed), then grades a small and a large batch with each backend, end to end as a user runs them:
  local: `grader check exercise2 FILES... --jobs J --format json`
  ray:   `grader check exercise2 FILES... --backend ray --jobs J --format json` (J actors on a local
         Ray instance that the command starts and shuts down)
in the order local small, ray small, local large, ray large. From the two sizes it splits each
backend's time into a fixed part (start: workers, Ray's own processes, actors, preparing the
exercise) and a part per submission, and prints the Ray backend's overhead per submission (the
difference of the slopes) and at start (the difference of the fixed parts). Every file's verdict
(status and every check's status) must be the same on both backends.

    python bench/ray_throughput.py [--small 20] [--large 200] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from batch_throughput import _load, generate, grader, verdict


def run(files: list[Path], backend: str, jobs: int, env: dict) -> tuple[float, dict]:
    args = ["exercise2", *map(str, files), "--jobs", str(jobs)] + (["--backend", "ray"] if backend == "ray" else [])
    elapsed, reports = grader(args, env)
    print(f"{backend:>5}: {len(files):>4} submissions in {elapsed:6.1f} s {_load()}", flush=True)
    return elapsed, {r["file"]: r for r in reports}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--large", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2, help="local workers, and Ray actors")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="forwardlab-bench-"))
    env = {**os.environ, "FORWARDLAB_DATA_DIR": str(tmp / "data"), "FORWARDLAB_CACHE_DIR": str(tmp / "cache"),
           "RAY_TMPDIR": tempfile.mkdtemp(prefix="flray-", dir="/tmp")}
    files = generate(tmp / "submissions", 2 * args.large)["exercise2"]
    times: dict[tuple[str, int], float] = {}
    differ: list[str] = []
    for size in (args.small, args.large):
        graded = {}
        for backend in ("local", "ray"):
            times[backend, size], graded[backend] = run(files[:size], backend, args.jobs, env)
        differ += [f for f in graded["local"] if verdict(graded["local"][f]) != verdict(graded["ray"][f])]

    print(f"\n{os.cpu_count()} CPU cores, --jobs {args.jobs}; batches of {args.small} and {args.large} exercise2 "
          "submissions")
    slopes, starts = {}, {}
    for backend in ("local", "ray"):
        small, large = times[backend, args.small], times[backend, args.large]
        slopes[backend] = (large - small) / (args.large - args.small)
        starts[backend] = small - slopes[backend] * args.small
        print(f"{backend:>5}: {args.large / large:5.2f} submissions/s on {args.large}; fixed {starts[backend]:5.1f} s "
              f"+ {slopes[backend] * 1000:4.0f} ms per submission")
    per, start = (slopes["ray"] - slopes["local"]) * 1000, starts["ray"] - starts["local"]
    print(f"Ray's overhead: {per:+.0f} ms per submission ({slopes['ray'] / slopes['local']:.2f}x the local pool's), "
          f"{start:+.1f} s at start")
    print(f"verdicts identical on both backends: {'yes' if not differ else 'NO: ' + ', '.join(differ)}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
