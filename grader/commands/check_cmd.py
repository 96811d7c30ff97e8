"""`grader check EXERCISE [FILE ...]`: grade one submission (a .py file or a notebook), or a batch,
on the local warm pool or on Ray actors (--backend ray)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from grader.commands.common import add_exercise
from grader.errors import UsageError

FORMATS = ("text", "json", "junit", "gradescope", "exercism", "csv", "summary")
BACKENDS = ("local", "ray")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="grade your forward() (or a batch of submissions)",
                       description="Grade FILE (default: the workspace's exercises/EXERCISE.py). A FILE.ipynb "
                                   "notebook is graded by the code cells that define the exercise's class and what "
                                   "it needs (magics, shell escapes, plots and experiments do not run). Several FILEs "
                                   "are graded as a batch (--json prints a list then), identical submissions once "
                                   "(each file still gets its report, naming the file that ran: same_as).")
    add_exercise(p)
    p.add_argument("files", nargs="*", metavar="FILE", help="submission file(s): .py or .ipynb")
    p.add_argument("--json", action="store_true", help="same as --format json")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: text); summary: a batch at a glance (pass rate, most common "
                        "failing checks and named mistakes with example files, identical submissions)")
    p.add_argument("--output", "-o", metavar="PATH", help="write the report to PATH instead of stdout")
    p.add_argument("--device", choices=("cpu", "cuda", "mps", "auto"), default="cpu",
                   help="device to run on: cuda (NVIDIA), mps (Apple GPUs), auto (a GPU if there is one; default: cpu)")
    p.add_argument("--jobs", "-j", type=_positive, default=None, metavar="N",
                   help="grade N submissions at a time (default: the number of CPU cores, for a batch)")
    p.add_argument("--timeout", type=_positive_float, metavar="SECONDS", help="wall-time limit per submission")
    p.add_argument("--memory", type=_positive, metavar="MB", help="memory limit per submission, in MB")
    p.add_argument("--cpu-time", type=_positive_float, metavar="SECONDS", help="CPU-time limit per submission")
    p.add_argument("--max-output", type=_positive, metavar="BYTES", help="how much a submission may print")
    p.add_argument("--sandbox", action="store_true",
                   help="run submissions under bubblewrap: no network, read-only files (Linux, needs bwrap)")
    p.add_argument("--backend", choices=BACKENDS, default="local",
                   help="where the batch runs: local, this machine's warm workers (default); ray, the same workers "
                        "as Ray actors (needs pip install 'forwardlab[ray]'); --jobs is then the number of actors "
                        "(default: the cluster's CPUs)")
    p.add_argument("--address", metavar="ADDR",
                   help="with --backend ray: the Ray cluster to join (e.g. ray://head:10001, or auto on a cluster "
                        "node); default: start a local Ray instance")
    p.add_argument("--gpus-per-actor", type=_positive_float, metavar="F",
                   help="with --backend ray and --device cuda|auto: the share of a GPU each actor takes (Ray's "
                        "num_gpus; default 0.25)")
    p.set_defaults(run=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be more than 0")
    return value


def _limits(args: argparse.Namespace, exercise_id: str):
    from dataclasses import replace

    from grader.judging.prepare import exercise_limits

    limits = exercise_limits(exercise_id)
    if args.timeout:
        limits = replace(limits, wall_s=args.timeout, cpu_s=max(limits.cpu_s, args.timeout * 2))
    if args.memory:
        limits = replace(limits, memory_mb=args.memory)
    if args.cpu_time:
        limits = replace(limits, cpu_s=args.cpu_time)
    if args.max_output:
        limits = replace(limits, output_bytes=args.max_output)
    return limits


def run(args: argparse.Namespace) -> int:
    import os

    from grader.api import resolve_exercise
    from grader.grading import grade_files, submission_paths

    fmt = "json" if args.json else (args.format or "text")
    exercise_id = resolve_exercise(args.exercise)
    files = args.files or [None]
    submission_paths(exercise_id, files)  # a missing file is a usage error before anything starts
    if args.sandbox:
        from grader.isolation.worker import find_bwrap

        find_bwrap()  # not installed: a usage error, before anything starts
    if args.backend != "ray" and (args.address or args.gpus_per_actor):
        raise UsageError(f"{'--address' if args.address else '--gpus-per-actor'} is for --backend ray; "
                         "add --backend ray or leave it out")
    many = len(files) > 1
    pool = _ray_pool(args, exercise_id) if args.backend == "ray" else None
    jobs = args.jobs or (min(os.cpu_count() or 1, len(files)) if many else 1)
    progress = BatchProgress(len(files)) if many else None
    store = None
    if not many:
        from grader.commands.common import open_store

        store = open_store()
    try:
        reports = grade_files(exercise_id, files, device=args.device, store=store, jobs=jobs,
                              limits=_limits(args, exercise_id), on_done=progress.advance if progress else None,
                              sandbox=args.sandbox, pool=pool)
    finally:
        if progress:
            progress.close()
    _emit(reports, fmt, many, args.output)
    return 0 if all(r.status == "pass" for r in reports) else 1


def _ray_pool(args: argparse.Namespace, exercise_id: str):
    from grader.backends.ray_actors import RayPool, require_ray

    require_ray()  # not installed: one usage line, before anything starts
    return RayPool(args.address, args.jobs, args.gpus_per_actor, _limits(args, exercise_id), args.sandbox)


def _emit(reports, fmt: str, many: bool, output: str | None) -> None:
    if fmt == "summary":
        from grader.output.formats import exercise_points
        from grader.output.summary import to_summary

        _write(to_summary(reports, exercise_points(reports[0].exercise)), output)
        return
    if fmt == "text":
        from rich.console import Console

        from grader.course.content import load_exercise_meta
        from grader.output.text import print_report

        title = _title(load_exercise_meta, reports[0].exercise)
        with open(output, "w") if output else contextlib.nullcontext(None) as file:
            console = Console(file=file)
            for report in reports:
                print_report(report, title, console)
        return
    from grader.output.formats import exercise_points, render

    _write(render(reports, fmt, many, exercise_points(reports[0].exercise)), output)


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text + "\n")
    else:
        sys.stdout.write(text + "\n")


def _title(load_meta, exercise_id: str) -> str:
    try:
        return load_meta(exercise_id).title
    except Exception:  # noqa: BLE001 - a broken metadata file must not hide the grade
        return ""


class BatchProgress:
    """Progress on stderr for batches: a bar on a terminal; in a log (CI, a pipe), a plain line for
    every tenth of the batch. `advance` is called from the grading threads."""

    def __init__(self, total: int) -> None:
        import threading
        import time

        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.total, self.done, self.failed = total, 0, 0
        self._lock, self._start = threading.Lock(), time.monotonic()
        console = Console(stderr=True)
        self._bar = None
        if console.is_terminal:
            self._bar = Progress("grading", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                 console=console, transient=True)
            self._task = self._bar.add_task("grading", total=total)
            self._bar.start()

    def advance(self, report) -> None:
        import time

        with self._lock:
            self.done += 1
            self.failed += report.status != "pass"
            if self._bar is not None:
                self._bar.advance(self._task)
            elif self.done == self.total or self.done % max(1, self.total // 10) == 0:
                print(f"graded {self.done}/{self.total} ({self.failed} not passing) in "
                      f"{time.monotonic() - self._start:.1f} s", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
