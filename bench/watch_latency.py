"""Benchmark (b): warm re-check latency in watch mode (save -> verdict) against a cold `grader check`.

What `grader watch` runs: a FileWatcher on the file and `Grader.check` with the exercise prepared
once and a warm zygote, all in this process. Each round saves the file (a
correct and a wrong exercise2 in turn) and times the save until the verdict is back, split into
detection (file event or poll, plus the debounce) and grading (fork, checks, judging). Then a cold
`grader check exercise2 FILE --json` (a fresh process) is timed the same way.
Prints medians and their ratio (target: warm under 0.3 s).

--isolation both measures the fork and the portable isolation one after the other in the same run,
with `python -c "import torch"` as the baseline of both. The portable worker starts each job's process
ahead (a warm template, which imports torch): --gap S waits S seconds between saves, as a person does,
so that the next template is warm when the save comes (with the default 0.3 s it often is not yet).

    python bench/watch_latency.py [--rounds 20] [--cold 5] [--poll] [--gap 0.3] [--isolation fork|portable|both]
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

from modes import add_option, env_for, import_torch_s, modes

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "tests" / "submissions" / "exercise2" / name for name in ("correct_modules.py", "wrong_no_relu.py")]


def warm_rounds(path: Path, rounds: int, poll: bool, gap: float) -> list[tuple[float, float, str]]:
    """(detection s, grading s, status) per save."""
    from grader.grading import Grader
    from grader.watching import FileWatcher

    done, seen = threading.Event(), {}

    def check(changed: Path) -> None:
        seen["called"] = time.perf_counter()
        seen["status"] = grader.check("exercise2", [changed])[0].status
        seen["verdict"] = time.perf_counter()
        done.set()

    with Grader(jobs=1) as grader:
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
                time.sleep(gap + random.random() * 0.1)  # saves fall anywhere between two polls
    return out


def cold_runs(path: Path, runs: int, env: dict) -> list[float]:
    cmd = [sys.executable, "-m", "grader", "check", "exercise2", str(path), "--json"]
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
    parser.add_argument("--gap", type=float, default=0.3, help="seconds between saves (default: 0.3)")
    add_option(parser)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="forwardlab-bench-"))
    os.environ.update(FORWARDLAB_DATA_DIR=str(tmp / "data"))
    path = tmp / "exercise2.py"
    expected = ["pass" if i % 2 == 0 else "fail" for i in range(args.rounds)]
    verdicts_ok = True
    for mode in modes(args.isolation):
        os.environ["FORWARDLAB_ISOLATION"] = mode
        path.write_text(SOURCES[1].read_text())
        rounds = warm_rounds(path, args.rounds, args.poll, args.gap)
        total = [d + g for d, g, _ in rounds]
        warm = statistics.median(total)
        cold = statistics.median(cold_runs(path, args.cold, env_for(mode, dict(os.environ))))
        baseline = import_torch_s(dict(os.environ))
        print(f"[{mode} isolation] warm re-check, save -> verdict: median {warm * 1000:.0f} ms, "
              f"p90 {_p90(total) * 1000:.0f} ms, max {max(total) * 1000:.0f} ms over {len(total)} saves "
              f"{args.gap:g} s apart (target < 300 ms)")
        print(f"  detection (event + debounce): median {statistics.median(d for d, _, _ in rounds) * 1000:.0f} ms; "
              f"grading: median {statistics.median(g for _, g, _ in rounds) * 1000:.0f} ms")
        print(f"  cold `grader check exercise2` (fresh process): median {cold:.2f} s over "
              f"{args.cold}; import torch {baseline:.2f} s: {cold / baseline:.2f}x import torch, "
              f"{cold / warm:.1f}x the warm re-check (load average {os.getloadavg()[0]:.1f})")
        ok = [s for _, _, s in rounds] == expected
        verdicts_ok &= ok
        print(f"  verdicts follow the saves (pass, fail, ...): {'yes' if ok else 'NO'}", flush=True)
    sys.exit(0 if verdicts_ok else 1)


def _p90(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.9 * len(values)) - 1)]


if __name__ == "__main__":
    main()
