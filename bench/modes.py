"""The --isolation option the benchmarks share: run under the fork isolation, the portable one, or both
side by side in the same run (grader.isolation.portable)."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CHOICES = ("fork", "portable", "both")


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--isolation", choices=CHOICES, default="fork",
                        help="the isolation to measure, or both side by side (default: fork)")


def modes(choice: str) -> list[str]:
    return ["fork", "portable"] if choice == "both" else [choice]


def env_for(mode: str, env: dict[str, str]) -> dict[str, str]:
    return {**env, "FORWARDLAB_ISOLATION": mode}


def import_torch_s(env: dict[str, str], runs: int = 3) -> float:
    """The baseline every ratio is against: a fresh `python -c "import torch"`, median of `runs`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch"], env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)
