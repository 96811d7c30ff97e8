"""Benchmark (b): warm re-check latency in watch mode (save -> verdict) against a cold `grader check`.

What `grader watch` runs: a FileWatcher on the file and `Grader.check` with the exercise prepared
once and a warm zygote, all in this process. Each round saves the file (a
correct and a wrong exercise2 in turn) and times the save until the verdict is back, split into
detection (file event or poll, plus the debounce) and grading (fork, checks, judging). Then a cold
`grader check exercise2 FILE --json` (a fresh process, reference cache warm) is timed the same way.
Prints medians and their ratio (target: warm under 0.3 s).

    python bench/watch_latency.py [--rounds 20] [--cold 5] [--poll]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "tests" / "submissions" / "exercise2" / name for name in ("correct_modules.py", "wrong_no_relu.py")]


def warm_rounds(path: Path, rounds: int, poll: bool) -> list[tuple[float, float, str]]:
    """(detection s, grading s, status) per save."""
    from grader.grading import Grader
    from grader.judging.prepare import reference_cache
    from grader.watching import FileWatcher

    done, seen = threading.Event(), {}

    def check(changed: Path) -> None:
        seen["called"] = time.perf_counter()
        seen["status"] = grader.check("exercise2", [changed])[0].status
        seen["verdict"] = time.perf_counter()
        done.set()

    with Grader(jobs=1, cache=reference_cache()) as grader:
        grader.check("exercise2", [path])  # the first check, which `grader watch` runs on start
        out = []
        with FileWatcher(path, check, poll=poll) as watcher:
            print(f"watch engine: {watcher.mode}", flush=True)
            time.sleep(0.3)
            for i in range(rounds):
                done.clear()
                saved = time.perf_counter()
                path.write_text(SOURCES[i % 2].read_text())
                if not done.wait(30):
                    sys.exit(f"no verdict 30 s after save {i}")
                out.append((seen["called"] - saved, seen["verdict"] - seen["called"], seen["status"]))
                time.sleep(0.3 + random.random() * 0.1)  # saves fall anywhere between two polls
    return out


def cold_runs(path: Path, runs: int, env: dict) -> list[float]:
    cmd = [sys.executable, "-m", "grader", "check", "exercise2", str(path), "--json"]
    subprocess.run(cmd, env=env, capture_output=True)  # fills the reference cache, as a learner's first check does
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode not in (0, 1):
            sys.exit(f"cold grader check exited {result.returncode}: {result.stderr[-1000:]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--poll", action="store_true", help="poll instead of file events")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="forwardlab-bench-"))
    os.environ.update(FORWARDLAB_DATA_DIR=str(tmp / "data"), FORWARDLAB_CACHE_DIR=str(tmp / "cache"))
    path = tmp / "exercise2.py"
    path.write_text(SOURCES[1].read_text())

    rounds = warm_rounds(path, args.rounds, args.poll)
    expected = ["pass" if i % 2 == 0 else "fail" for i in range(args.rounds)]
    total = [d + g for d, g, _ in rounds]
    warm = statistics.median(total)
    cold = statistics.median(cold_runs(path, args.cold, dict(os.environ)))
    print(f"warm re-check, save -> verdict: median {warm * 1000:.0f} ms, p90 {_p90(total) * 1000:.0f} ms, "
          f"max {max(total) * 1000:.0f} ms over {len(total)} saves (target < 300 ms)")
    print(f"  detection (event + debounce): median {statistics.median(d for d, _, _ in rounds) * 1000:.0f} ms; "
          f"grading: median {statistics.median(g for _, g, _ in rounds) * 1000:.0f} ms")
    print(f"cold `grader check exercise2` (fresh process, reference cache warm): median {cold:.2f} s over {args.cold}")
    print(f"ratio cold / warm: {cold / warm:.1f}x")
    verdicts_ok = [s for _, _, s in rounds] == expected
    print(f"verdicts follow the saves (pass, fail, ...): {'yes' if verdicts_ok else 'NO'}")
    sys.exit(0 if verdicts_ok else 1)


def _p90(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.9 * len(values)) - 1)]


if __name__ == "__main__":
    main()
