"""Cold `grader check exercise2` on a correct file against `python -c "import torch"`, in the same run.

Each command runs as a fresh process (nothing warm), alternating, RUNS times; prints the medians
and their ratio. The very first run (cold disk caches, Python's bytecode written) is reported
separately ("first") and excluded from the median.
With --isolation both, the fork and the portable isolation alternate in the same loop. With
--trace, a cold `grader trace exercise2` (which runs `grader check` on the file first, to carry
its verdict) is timed in the same loop too.

    python bench/grade_latency.py [--runs 7] [--isolation fork|portable|both] [--trace]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from modes import add_option, env_for, modes

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "tests" / "submissions" / "exercise2" / "correct_modules.py"


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0,):
        sys.exit(f"{' '.join(cmd)} exited {result.returncode}: {result.stderr[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    add_option(parser)
    parser.add_argument("--trace", action="store_true", help="time a cold grader trace too")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="forwardlab-bench-"))
    env = {**os.environ, "FORWARDLAB_DATA_DIR": str(tmp / "data")}
    check = [sys.executable, "-m", "grader", "check", "exercise2", str(SOLUTION), "--json"]
    torch_only = [sys.executable, "-c", "import torch"]
    first = timed(check, env)
    checks: dict[str, list[float]] = {mode: [] for mode in modes(args.isolation)}
    trace = [sys.executable, "-m", "grader", "trace", "exercise2", str(SOLUTION)]
    traces: list[float] = []
    imports = []
    for _ in range(args.runs):
        imports.append(timed(torch_only, env))
        for mode, times in checks.items():
            times.append(timed(check, env_for(mode, env)))
        if args.trace:
            traces.append(timed(trace, env))
    t = statistics.median(imports)
    print(f"import torch          median {t:.3f} s  (runs: {', '.join(f'{x:.2f}' for x in imports)})")
    for mode, times in checks.items():
        c = statistics.median(times)
        print(f"grader check (cold, {mode} isolation) median {c:.3f} s  (runs: {', '.join(f'{x:.2f}' for x in times)})"
              f"  ratio to import torch: {c / t:.2f}x (goal: at most 1.5x)")
    if traces:
        r = statistics.median(traces)
        print(f"grader trace (cold, check included) median {r:.3f} s  "
              f"(runs: {', '.join(f'{x:.2f}' for x in traces)})  ratio to import torch: {r / t:.2f}x")
    print(f"grader check (first run) {first:.3f} s")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
