"""`grader watch EXERCISE [FILE]`: re-check on every save, first failure on top (rustlings-style).

The exercise is prepared once and a warm zygote stays up, so a re-check costs one fork and the
checks themselves. Ctrl-C stops watching (exit 0).
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import TYPE_CHECKING

from grader.commands.common import add_exercise

if TYPE_CHECKING:
    from grader.course.progress import ProgressStore
    from grader.report import Report


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("watch", help="re-check your file on every save",
                       description="Check FILE (default: the workspace's exercises/EXERCISE.py) now and again on "
                                   "every save, with the first failure on top. Ctrl-C stops.")
    add_exercise(p)
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="the file to watch: .py, or a notebook (.ipynb) graded by its class's cells on every save")
    p.add_argument("--poll", action="store_true",
                   help="poll the file instead of waiting for file events (network or WSL mounts; "
                        "also FORWARDLAB_WATCH_POLL=1)")
    p.add_argument("--device", choices=("cpu", "cuda", "mps", "auto"), default="cpu",
                   help="device to run on: cuda (NVIDIA), mps (Apple GPUs), auto (a GPU if there is one; default: cpu)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from grader.api import resolve_exercise
    from grader.commands.common import open_store
    from grader.grading import Grader, submission_paths
    from grader.judging.prepare import resolve_device
    from grader.watching import FileWatcher

    exercise_id = resolve_exercise(args.exercise)
    (path, label), = submission_paths(exercise_id, [args.file])
    device = resolve_device(args.device)
    console = Console()
    console.print(f"preparing {exercise_id}…", style="dim")
    try:
        with Grader(jobs=1) as grader:
            grader.prepared(exercise_id, device)  # before the first save: a broken exercise shows now
            def grade(store: ProgressStore) -> Report:
                return grader.check(exercise_id, [args.file], device=device, store=store)[0]

            session = WatchSession(console, grade, open_store, _title(exercise_id))
            watcher = FileWatcher(path, lambda _path: session.check(), poll=args.poll or None)
            session.footer = f"watching {label} ({watcher.mode}): save to re-check, Ctrl-C to stop"
            watcher.start().trigger()  # the first check, on the watcher's thread like every other
            try:
                wait_for_interrupt()
            finally:  # before the grader closes: a check cut short by Ctrl-C shows nothing
                session.stopping = True
                watcher.stop(timeout=0.5)
    except KeyboardInterrupt:
        pass
    console.print("stopped watching", style="dim")
    return 0


def wait_for_interrupt() -> None:
    """Sleep until Ctrl-C (or SIGTERM) raises KeyboardInterrupt here. In short waits, not one endless
    one: the kernel may hand the signal to another of our threads (the watcher's, the checks'), and
    Python raises it in the main thread only when that thread next runs, so an untimed wait could
    sleep through it for good."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    stop = threading.Event()
    while not stop.wait(0.2):
        pass


class WatchSession:
    """One check and its screen: clear, the report with the first failure on top, a status line.
    Checks run on the watcher's thread, so the progress store is opened there (SQLite is per thread)."""

    def __init__(self, console, grade, open_store, title: str) -> None:
        self.console, self.grade, self.open_store, self.title = console, grade, open_store, title
        self.footer, self.stopping, self._store = "", False, None

    def check(self) -> None:
        import time

        from grader.output.text import report_view
        from grader.report import printable

        self.console.print("checking…", style="dim")
        self._store = self._store or self.open_store()
        try:
            report = self.grade(self._store)
        except Exception as err:  # noqa: BLE001 - the watch goes on; the next save tries again
            if not self.stopping:
                self.console.print(printable(f"the grader failed: {type(err).__name__}: {err}"), style="red",
                                   markup=False)
            return
        if self.stopping:
            return
        self.console.clear()
        self.console.print(report_view(report, self.title, first_failure_on_top=True))
        self.console.print(f"\n[{time.strftime('%H:%M:%S')}] {self.footer}", style="dim")


def _title(exercise_id: str) -> str:
    from grader.course.content import load_exercise_meta

    try:
        return load_exercise_meta(exercise_id).title
    except Exception:  # noqa: BLE001 - a broken metadata file must not stop the watch
        return ""
