"""Grading: the one path from submission files to Reports, used by the CLI, batches, watch and the
service alike. `Grader` keeps warm workers (zygotes) and prepared exercises for re-use across calls;
`Grader.check` resolves the files, prepares the exercise once (grader.judging.prepare), runs each
file in an isolated child (grader.isolation) and judges what it observed (grader.judging.judge).
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from grader.course.progress import default_store_path
from grader.errors import UsageError
from grader.isolation.protocol import Limits
from grader.isolation.submission import SubmissionError
from grader.isolation.worker import Zygote
from grader.judging.judge import judge
from grader.judging.prepare import Prepared, prepare, reference_cache, resolve_device
from grader.report import CheckResult, Report

if TYPE_CHECKING:
    from grader.course.progress import ProgressStore


class Grader:
    """Prepared exercises and warm zygotes, kept for re-use (batch, watch, service)."""

    def __init__(self, jobs: int = 1, limits: Limits | None = None, cache: Path | None = None,
                 sandbox: bool = False) -> None:
        self.sandbox = sandbox  # run the zygotes under bubblewrap (grader.isolation.worker.bwrap_command)
        self.zygotes = [Zygote(sandbox) for _ in range(max(1, jobs))]  # start now: they import torch while we do
        self.limits = limits
        self.cache = cache
        self._tmp = tempfile.TemporaryDirectory(prefix="forwardlab-")
        self._prepared: dict[tuple[str, str], Prepared] = {}
        # what the learner's code must not read: prepared references and plans, the progress store
        self._hidden = [Path(self._tmp.name), *([cache] if cache else []), default_store_path().parent]

    def prepared(self, exercise_id: str, device: str) -> Prepared:
        key = (exercise_id, device)
        if key not in self._prepared:
            self._prepared[key] = prepare(exercise_id, device, Path(self._tmp.name), self.limits, self.cache)
        return self._prepared[key]

    def grade(self, prep: Prepared, file: Path, label: str, slot: int = 0) -> Report:
        """One submission's report, whatever happens: a file the grader will not read, a worker that
        dies (the next attempt gets a fresh one), a result no check can judge. Never raises."""
        start = time.perf_counter()
        error: Exception | None = None
        for _attempt in range(2):
            try:
                zygote = self.zygotes[slot]
                if not zygote.alive:
                    zygote = self.zygotes[slot] = Zygote(self.sandbox)
                warm = ("export",) if any(c.export for c in prep.cases.values()) else ()
                outcome = zygote.run(prep.plan_path, prep.limits, prep.device, file, warm=warm, hidden=self._hidden)
                return judge(prep, label, outcome, time.perf_counter() - start)
            except SubmissionError as err:
                return failed_report(prep, label, str(err))
            except Exception as err:  # noqa: BLE001 - reported in this submission's result
                error = err
                self.zygotes[slot].close()
        return failed_report(prep, label, f"the grader could not run this submission ({type(error).__name__}: "
                                          f"{error}); grade it again alone")

    def check(self, exercise_id: str, files: Sequence[str | Path | None], *, device: str = "cpu",
              on_done: Callable[[Report], None] | None = None, store: ProgressStore | None = None) -> list[Report]:
        """The one grading path (CLI, batch, watch, service): resolve the files (None: the workspace's
        file), prepare the exercise once, grade every file on the warm workers, record each report
        in `store` when given. Reports come back in the order of `files`."""
        paths = submission_paths(exercise_id, files)
        reports = self._grade_many(self.prepared(exercise_id, resolve_device(device)), paths, on_done)
        if store is not None:
            for report in reports:
                store.record_check(report.to_dict())
        return reports

    def _grade_many(self, prep: Prepared, files: list[tuple[Path, str]],
                    on_done: Callable[[Report], None] | None = None) -> list[Report]:
        """Grade files on all zygotes at once; reports come back in the order of `files`."""
        slots = list(range(len(self.zygotes)))
        results: list[Report | None] = [None] * len(files)
        pending, lock = iter(range(len(files))), threading.Lock()

        def work(slot: int) -> None:
            # each free worker takes the next file: one slow submission holds up only its own worker
            while (i := _next(pending, lock)) is not None:
                report = self.grade(prep, *files[i], slot=slot)
                results[i] = report
                if on_done:
                    on_done(report)

        with ThreadPoolExecutor(len(slots)) as pool:
            list(pool.map(work, slots))
        return [r for r in results if r is not None]

    def close(self) -> None:
        for z in self.zygotes:
            z.close()
        self._tmp.cleanup()

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def failed_report(prep: Prepared, label: str, message: str) -> Report:
    """A report whose first check fails with `message` and whose other checks were not graded."""
    checks = [CheckResult(c.id, c.category, "skip", "not graded") for c in prep.checks]
    checks[0] = CheckResult(checks[0].id, checks[0].category, "fail", message)
    return Report(prep.exercise.id, label, "fail", prep.device, 0.0, checks)


def _next(items: Iterator[int], lock: threading.Lock) -> int | None:
    with lock:
        return next(items, None)


def submission_paths(exercise_id: str, files: Iterable[str | Path | None]) -> list[tuple[Path, str]]:
    """(absolute path, label as the user wrote it); a missing file or a folder is a usage error. A file
    that is there but cannot be read (or a link to one) is graded: its report says why it failed."""
    from grader.course.workspace import default_file

    out = []
    for f in files:
        label = str(f) if f is not None else str(default_file(exercise_id, relative=True))
        path = Path(f) if f is not None else default_file(exercise_id)
        try:
            missing = stat.S_ISDIR(path.stat().st_mode)
        except FileNotFoundError:
            missing = not path.is_symlink()
        except OSError:
            missing = False
        if missing:
            raise UsageError(f"no such file: {label}" + ("" if f is not None else
                             " (run `grader init` to create the exercises, or pass a FILE)"))
        out.append((Path(os.path.abspath(path)), label))  # links are checked when it is read (isolation.submission)
    return out


def grade_files(exercise_id: str, files: Sequence[str | Path | None], *, device: str = "cpu",
                store: ProgressStore | None = None, jobs: int = 1, limits: Limits | None = None,
                on_done: Callable[[Report], None] | None = None, sandbox: bool = False) -> list[Report]:
    """`Grader.check` on workers started for this call alone. `sandbox`: under bubblewrap."""
    paths = submission_paths(exercise_id, files)  # usage errors before any worker starts
    if device != "cpu":  # likewise a missing GPU
        device = resolve_device(device)
    # a batch prepares afresh: one submission must never be able to touch what the next is judged by
    cache = reference_cache() if len(paths) == 1 else None
    with Grader(jobs=min(jobs, len(paths)), limits=limits, cache=cache, sandbox=sandbox) as grader:
        return grader.check(exercise_id, files, device=device, on_done=on_done, store=store)
