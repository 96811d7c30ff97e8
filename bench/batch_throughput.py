"""Benchmark (a): a batch on warm workers against one `grader check` process per submission, same run.

Generates N submissions (default 200: half exercise2, half exercise3, correct and wrong variants
mixed, each file distinct code, so none is graded as a copy of another) in a temporary folder, then
  batch:    `grader check EXERCISE FILES... --jobs 2 --format json`, one process per exercise;
  per-file: `grader check EXERCISE FILE --format json`, one fresh process per submission, one after
            another (a loop, as a script calling the grader per student would), with the reference
            cache already warm (its best case). With --sample K (default 20) only K files of each
            exercise run per-file and the loop's time is extrapolated to all N (printed as such);
            --full runs all N.
The batch runs before and after the per-file loop (the machine's other load varies over minutes;
the ratio uses the mean of the two passes, and each phase prints the load average). Verdicts
(status and every check's status) must be identical everywhere; prints both throughputs and their
ratio (target: at least 20x).

With --isolation both, it compares the isolations instead: the batch under the fork isolation and
under the portable one, twice each, alternating (fork, portable, fork, portable), verdicts identical
across both, each throughput beside the other and against `python -c "import torch"` timed in the
same run. --isolation portable runs the usual comparison under the portable isolation.

    python bench/batch_throughput.py [--count 200] [--jobs 2] [--sample 20 | --full] [--isolation ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from modes import add_option, env_for, import_torch_s, modes

HEAD2 = """import torch
import torch.nn.functional as F
from torch import nn


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
"""
HEAD3 = """import torch
import torch.nn.functional as F
from torch import nn


class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
"""
# (name, body of forward, expected status): correct ones written several ways, wrong ones with real mistakes
VARIANTS = {
    "exercise2": (HEAD2, [
        ("modules", "return self.fc2(self.relu(self.fc1(self.flatten(x))))", "pass"),
        ("functional", "return self.fc2(F.relu(self.fc1(x.flatten(1))))", "pass"),
        ("view", "x = x.view(x.size(0), -1)\n        return self.fc2(torch.relu(self.fc1(x)))", "pass"),
        ("no_relu", "return self.fc2(self.fc1(self.flatten(x)))", "fail"),
        ("softmax", "return self.fc2(self.relu(self.fc1(self.flatten(x)))).softmax(dim=1)", "fail"),
        ("batch_64", "return self.fc2(self.relu(self.fc1(x.view(64, 784))))", "fail"),
        ("not_started", "raise NotImplementedError", "not-started"),
    ]),
    "exercise3": (HEAD3, [
        ("modules", "x = self.pool(F.relu(self.conv1(x)))\n        x = self.pool(F.relu(self.conv2(x)))\n"
                    "        return self.fc(torch.flatten(x, 1))", "pass"),
        ("reshape", "x = self.pool(torch.relu(self.conv1(x)))\n        x = self.pool(torch.relu(self.conv2(x)))\n"
                    "        return self.fc(x.reshape(x.shape[0], -1))", "pass"),
        ("no_relu", "x = self.pool(self.conv1(x))\n        x = self.pool(self.conv2(x))\n"
                    "        return self.fc(x.flatten(1))", "fail"),
        ("channels_last", "x = self.pool(F.relu(self.conv1(x)))\n        x = self.pool(F.relu(self.conv2(x)))\n"
                          "        return self.fc(x.permute(0, 2, 3, 1).flatten(1))", "fail"),
        ("mixes_samples", "x = self.pool(F.relu(self.conv1(x)))\n        x = self.pool(F.relu(self.conv2(x)))\n"
                          "        return self.fc(x.view(16 * 7 * 7, -1).T)", "fail"),
    ]),
}


def generate(folder: Path, count: int) -> dict[str, list[Path]]:
    """`count` distinct submissions, half per exercise, variants in rotation: {exercise: files}."""
    files: dict[str, list[Path]] = {}
    for e, (exercise, (head, variants)) in enumerate(VARIANTS.items()):
        (folder / exercise).mkdir(parents=True, exist_ok=True)
        n = count // len(VARIANTS) + (e < count % len(VARIANTS))
        for i in range(n):
            name, body, _ = variants[i % len(variants)]
            path = folder / exercise / f"student{i:03d}_{name}.py"
            # a constant of its own: comments alone would make copies, graded once (grader.sources.same)
            path.write_text(f"# student {i} ({name})\nSTUDENT = {i}\n{head}        {body}\n")
            files.setdefault(exercise, []).append(path)
    return files


def verdict(report: dict) -> tuple:
    return report["status"], tuple((c["id"], c["status"]) for c in report["checks"])


def grader(args: list[str], env: dict) -> tuple[float, list[dict]]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "grader", "check", *args, "--format", "json"],
                            env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"grader check {' '.join(args[:2])} ... exited {result.returncode}:\n{result.stderr[-2000:]}")
    data = json.loads(result.stdout)
    return elapsed, data if isinstance(data, list) else [data]


def batch_pass(files: dict[str, list[Path]], jobs: int, env: dict) -> tuple[float, dict]:
    """One `grader check EXERCISE FILES... --jobs N` per exercise: (total seconds, {file: report})."""
    total_s, reports = 0.0, {}
    for exercise, paths in files.items():
        elapsed, graded = grader([exercise, *map(str, paths), "--jobs", str(jobs)], env)
        total_s += elapsed
        reports.update({r["file"]: r for r in graded})
        print(f"batch {exercise}: {len(paths)} submissions in {elapsed:.1f} s {_load()}", flush=True)
    return total_s, reports


def compare_isolations(files: dict[str, list[Path]], jobs: int, env: dict, expected: dict) -> None:
    """The batch under each isolation, twice, alternating; side by side, against importing torch. Exits."""
    times: dict[str, list[float]] = {"fork": [], "portable": []}
    reports: dict[str, dict] = {}
    for _round in range(2):
        for mode in times:
            print(f"-- {mode} isolation", flush=True)
            elapsed, reports[mode] = batch_pass(files, jobs, env_for(mode, env))
            times[mode].append(elapsed)
    baseline = import_torch_s(env)
    total = sum(len(f) for f in files.values())
    differ = [f for f in reports["fork"] if verdict(reports["fork"][f]) != verdict(reports["portable"][f])]
    wrong = [f for mode in times for f, r in reports[mode].items()
             if r["status"] != expected[Path(f).stem.split("_", 1)[1]]]
    print(f"\nsubmissions: {total}, jobs={jobs}, {os.cpu_count()} CPU cores; import torch: {baseline:.2f} s {_load()}")
    print(f"{'isolation':<10} {'batch s':>8} {'ms/submission':>14} {'per s':>7} {'x import torch':>15}")
    for mode, passes in times.items():
        mean = sum(passes) / len(passes)
        print(f"{mode:<10} {mean:8.1f} {mean / total * 1000:14.0f} {total / mean:7.2f} {mean / total / baseline:15.2f}")
    print(f"portable / fork time: {sum(times['portable']) / sum(times['fork']):.1f}x")
    print(f"verdicts identical under both isolations: {'yes' if not differ else 'NO: ' + ', '.join(differ)}")
    print(f"verdicts as the variants expect: {'yes' if not wrong else 'NO: ' + ', '.join(wrong)}")
    sys.exit(1 if differ or wrong else 0)


def _load() -> str:
    return f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sample", type=int, default=20, help="per-file runs per exercise (extrapolated)")
    parser.add_argument("--full", action="store_true", help="run every submission per-file (no extrapolation)")
    add_option(parser)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="forwardlab-bench-"))
    env = {**os.environ, "FORWARDLAB_DATA_DIR": str(tmp / "data")}
    files = generate(tmp / "submissions", args.count)
    total = sum(len(f) for f in files.values())
    expected = {name: status for _, variants in VARIANTS.values() for name, _, status in variants}
    if args.isolation == "both":
        compare_isolations(files, args.jobs, env, expected)
    env = env_for(modes(args.isolation)[0], env)

    # batch, then the per-file loop, then the batch again: the machine's other load, which varies
    # over minutes, falls on both sides; the ratio uses the mean of the two batch passes
    batch1_s, batch = batch_pass(files, args.jobs, env)
    wrong = [f for f, r in batch.items() if r["status"] != expected[Path(f).stem.split("_", 1)[1]]]

    for exercise, paths in files.items():  # warm the reference cache: the per-file loop's best case
        grader([exercise, str(paths[0])], env)
    loop_s, ran, differ = 0.0, 0, []
    for exercise, paths in files.items():
        for path in paths if args.full else paths[:args.sample]:
            elapsed, (report,) = grader([exercise, str(path)], env)
            loop_s, ran = loop_s + elapsed, ran + 1
            if verdict(report) != verdict(batch[str(path)]):
                differ.append(str(path))
    print(f"per-file: {ran} runs in {loop_s:.1f} s {_load()}", flush=True)
    batch2_s, again = batch_pass(files, args.jobs, env)
    differ += [f for f in batch if verdict(batch[f]) != verdict(again[f])]
    batch_s = (batch1_s + batch2_s) / 2
    per_file = loop_s / ran
    loop_total = per_file * total
    label = "measured" if ran == total else f"extrapolated from {ran} runs"

    print(f"\nsubmissions: {total} ({', '.join(f'{len(p)} {e}' for e, p in files.items())}), jobs={args.jobs}, "
          f"{os.cpu_count()} CPU cores")
    print(f"batch (warm workers): {batch_s:.1f} s total (mean of {batch1_s:.1f} and {batch2_s:.1f}), "
          f"{total / batch_s:.2f} submissions/s, {batch_s / total * 1000:.0f} ms per submission")
    print(f"one process per file: {per_file:.2f} s per submission; {loop_total:.0f} s for {total} ({label})")
    print(f"throughput ratio: {loop_total / batch_s:.1f}x (target >= 20x)")
    print(f"verdicts identical (the {ran} files graded both ways, and both batch passes): "
          f"{'yes' if not differ else 'NO: ' + ', '.join(differ)}")
    print(f"batch verdicts as the variants expect: {'yes' if not wrong else 'NO: ' + ', '.join(wrong)}")
    sys.exit(1 if differ or wrong else 0)


if __name__ == "__main__":
    main()
