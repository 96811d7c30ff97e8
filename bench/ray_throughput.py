"""Benchmark: the Ray backend beside the local pool, on this machine, same submissions, same run.

Generates distinct exercise2 submissions (bench/batch_throughput.py's variants: correct and wrong
mixed) and grades them in this process with each backend, as `grader check --backend local|ray`
does (grader.grading.Grader, with or without grader.backends.ray_actors.RayPool), separating
  start: the local pool's workers and prepared exercise; for Ray, starting a local Ray instance
         and the actors (each preparing the exercise), measured up to the first batch's end;
  per submission: warm batches of --count files, alternating local and Ray for --rounds rounds, so
         that the machine's other load, which varies over minutes, falls on both alike.
Prints each backend's start and its median time per submission, and the Ray backend's overhead per
submission (the difference of the medians). Every file's verdict (status and every check's
status) must be the same on both backends, in every round.

    python bench/ray_throughput.py [--count 40] [--rounds 3] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from batch_throughput import _load, generate

WARM_UP = 2  # files of the first batch, which starts the actors


def verdicts(reports: list) -> list[tuple]:
    return [(r.file, r.status, tuple((c.id, c.status) for c in r.checks)) for r in reports]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="submissions per timed batch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="local workers, and Ray actors")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="forwardlab-bench-"))
    os.environ.update(FORWARDLAB_DATA_DIR=str(tmp / "data"), FORWARDLAB_CACHE_DIR=str(tmp / "cache"),
                      RAY_TMPDIR=tempfile.mkdtemp(prefix="flray-", dir="/tmp"))
    from grader.backends.ray_actors import RayPool
    from grader.grading import Grader

    files = generate(tmp / "submissions", 2 * (args.count + WARM_UP))["exercise2"]
    warm_up, timed = files[:WARM_UP], files[WARM_UP:WARM_UP + args.count]

    start = time.perf_counter()
    local = Grader(jobs=args.jobs)
    local.check("exercise2", warm_up)
    local_start = time.perf_counter() - start
    start = time.perf_counter()
    ray = Grader(pool=RayPool(actors=args.jobs))
    ray.check("exercise2", warm_up)
    ray_start = time.perf_counter() - start
    print(f"start: local {local_start:.1f} s, ray {ray_start:.1f} s {_load()}", flush=True)

    per: dict[str, list[float]] = {"local": [], "ray": []}
    seen: dict[str, list[tuple]] = {}
    differ: list[str] = []
    try:
        for n in range(args.rounds):
            for name, grader in (("local", local), ("ray", ray)):
                start = time.perf_counter()
                reports = grader.check("exercise2", timed)
                elapsed = time.perf_counter() - start
                per[name].append(elapsed / len(timed))
                print(f"round {n + 1} {name:>5}: {len(timed)} submissions in {elapsed:5.1f} s {_load()}", flush=True)
                got = verdicts(reports)
                if seen.setdefault("first", got) != got:
                    differ += [a[0] for a, b in zip(seen["first"], got, strict=True) if a != b]
    finally:
        local.close()
        ray.close()
    median = {name: statistics.median(times) for name, times in per.items()}
    print(f"\n{os.cpu_count()} CPU cores, {args.jobs} local workers / {args.jobs} Ray actors, "
          f"{args.rounds} rounds of {args.count} exercise2 submissions")
    for name in ("local", "ray"):
        print(f"{name:>5}: start {local_start if name == 'local' else ray_start:5.1f} s; "
              f"{median[name] * 1000:4.0f} ms per submission (median; rounds: "
              f"{', '.join(f'{t * 1000:.0f}' for t in per[name])}), {1 / median[name]:.2f} submissions/s")
    print(f"Ray's overhead: {(median['ray'] - median['local']) * 1000:+.0f} ms per submission "
          f"({median['ray'] / median['local']:.2f}x the local pool's), {ray_start - local_start:+.1f} s at start")
    print(f"verdicts identical on both backends, every round: {'yes' if not differ else 'NO: ' + ', '.join(differ)}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
