"""Grading: the one path from submission files to Reports, used by the CLI, batches, watch, the
service and notebooks alike. `Grader.check` resolves the files, reads each as the child will run it
(a notebook: the code that defines the class, grader.sources), grades a batch's identical
submissions once, prepares the exercise once (grader.judging.prepare), runs each submission in an
isolated child (grader.isolation) and judges what it observed (grader.judging.judge).

Where the children run is a `Pool`: by default the Grader's own warm zygotes; `grader.backends.ray_actors`
runs the same on Ray actors, across machines. Either way the reports are told the same way.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from grader.course.progress import default_store_path
from grader.errors import UsageError
from grader.isolation.portable import start_worker
from grader.isolation.protocol import Limits
from grader.isolation.submission import SubmissionError, read_submission
from grader.judging.judge import judge
from grader.judging.prepare import Prepared, Secret, prepare, resolve_device
from grader.report import CheckResult, Report
from grader.sources.source import Source, fingerprint_text, load_source, same_lines, tell

if TYPE_CHECKING:
    from grader.course.progress import ProgressStore


@dataclass(frozen=True)
class Job:
    """One submission to run: at `path` on this machine (the learner's file, or the code extracted
    from a notebook), whose bytes are `data` (what a worker on another machine runs)."""

    path: Path
    label: str
    data: bytes


# a job is done: (its index, the child's report, the path the child loaded the submission from)
JobDone = Callable[[int, Report, str], None]


class Pool(Protocol):
    """Where a batch's jobs run when not on the Grader's own zygotes (grader.backends.ray_actors.RayPool).
    `grade_many` calls `done` once per job, from any thread, and returns when every job is done;
    a job that cannot run gets `unrunnable`'s report, never an exception."""

    def grade_many(self, exercise_id: str, device: str, jobs: Sequence[Job], done: JobDone) -> None: ...

    def close(self) -> None: ...


class Grader:
    """Prepared exercises and warm zygotes, kept for re-use (batch, watch, service, notebook); with
    `pool`, jobs run there instead, and no zygote starts here."""

    def __init__(self, jobs: int = 1, limits: Limits | None = None, sandbox: bool = False, pool: Pool | None = None,
                 secret: Secret | None = None) -> None:
        self.sandbox = sandbox  # run the zygotes under bubblewrap (grader.isolation.worker.bwrap_command)
        self.pool = pool
        # start now: they import torch while we do
        self.zygotes = [] if pool else [start_worker(sandbox) for _ in range(max(1, jobs))]
        self.limits = limits
        self.secret = secret  # None: each exercise prepared draws its probes from a fresh secret (tests fix one)
        self._tmp = tempfile.TemporaryDirectory(prefix="forwardlab-")
        self._prepared: dict[tuple[str, str], Prepared] = {}
        self._extracts = 0
        # what the learner's code must not read: prepared references and plans, the progress store
        self._hidden = [Path(self._tmp.name), default_store_path().parent]

    def prepared(self, exercise_id: str, device: str) -> Prepared:
        key = (exercise_id, device)
        if key not in self._prepared:
            self._prepared[key] = prepare(exercise_id, device, Path(self._tmp.name), self.limits, self.secret)
        return self._prepared[key]

    def grade(self, prep: Prepared, file: Path, label: str, slot: int = 0, trusted: bool = False,
              stopping: threading.Event | None = None) -> Report:
        """One submission's report, whatever happens: a file the grader will not read, a worker that
        dies (the next attempt gets a fresh one), a result no check can judge. Never raises: a batch
        never stops for one submission. `trusted`: the file is an instructor's own (grader pack test),
        which may import the grader and its pack's specs. Once `stopping` is set (Ctrl-C: the batch's
        zygotes are being closed), a lost worker is not replaced."""
        start = time.perf_counter()
        checks = [(c.id, c.category) for c in prep.checks]
        error: Exception | None = None
        for _attempt in range(2):
            if stopping is not None and stopping.is_set():
                break
            try:
                zygote = self.zygotes[slot]
                if not zygote.alive:
                    zygote = self.zygotes[slot] = start_worker(self.sandbox)
                waiting = time.perf_counter()
                zygote.wait_ready()  # a portable worker's next process still warming up: not this submission's time
                start += time.perf_counter() - waiting
                warm = ("export",) if any(c.export for c in prep.cases.values()) else ()
                outcome = zygote.run(prep.plan_path, prep.limits, prep.device, file, warm=warm, hidden=self._hidden,
                                     answers=None if trusted else prep.answers)
                return judge(prep, label, outcome, time.perf_counter() - start)
            except SubmissionError as err:
                return failed(prep.exercise.id, label, prep.device, checks, str(err))
            except Exception as err:  # noqa: BLE001 - reported in this submission's result
                error = err
                self.zygotes[slot].close()
        why = "the batch was stopped" if error is None else f"{type(error).__name__}: {error}"
        return unrunnable(prep.exercise.id, label, prep.device, checks, why)

    def check(self, exercise_id: str, files: Sequence[str | Path | None], *, device: str = "cpu",
              on_done: Callable[[Report], None] | None = None, store: ProgressStore | None = None,
              trusted: bool = False) -> list[Report]:
        """The one grading path (CLI, batch, watch, service): resolve the files (None: the workspace's
        file), read them (notebooks: the class's code), grade them and record each report in `store`
        when given. Reports come back in the order of `files`. `trusted`: see `grade`."""
        paths = submission_paths(exercise_id, files)
        class_name = exercise_class_name(exercise_id)
        return self.check_sources(exercise_id, [_source(path, label, class_name) for path, label in paths],
                                  device=device, on_done=on_done, store=store, trusted=trusted)

    def check_sources(self, exercise_id: str, sources: Sequence[Source], *, device: str = "cpu",
                      on_done: Callable[[Report], None] | None = None,
                      store: ProgressStore | None = None, trusted: bool = False) -> list[Report]:
        """Grade sources already read (`check`, or a notebook's kernel). In a batch, the same code
        (grader.sources.same) runs once: each copy gets that report at its own lines, `same_as` naming
        the file that ran."""
        groups = same_groups(sources) if len(sources) > 1 else [[i] for i in range(len(sources))]
        jobs = [self._job(sources[group[0]]) for group in groups]
        results: list[Report | None] = [None] * len(sources)

        def done(j: int, report: Report, loaded_from: str) -> None:
            graded = sources[groups[j][0]]
            for i in groups[j]:
                copy = i != groups[j][0]
                told = tell(report, graded, loaded_from, sources[i], same_lines(graded, sources[i]) if copy else None,
                            same_as=graded.label if copy else None)
                results[i] = told
                if on_done:
                    on_done(told)

        try:
            if self.pool is not None:  # Ray: learners' files only (`grader pack test` grades locally)
                self.pool.grade_many(exercise_id, device, jobs, done)
            else:
                self._grade_many(self.prepared(exercise_id, resolve_device(device)), jobs, done, trusted)
        finally:
            for job, group in zip(jobs, groups, strict=True):
                if sources[group[0]].extracted:
                    shutil.rmtree(job.path.parent, ignore_errors=True)
        reports = [r for r in results if r is not None]
        if store is not None:
            for report in reports:
                store.record_check(report.to_dict())
        return reports

    def _job(self, source: Source) -> Job:
        """A .py runs where it is; a notebook's extracted code from a file of its own."""
        if not source.extracted:
            return Job(source.path, source.label, source.data)
        self._extracts += 1
        path = Path(self._tmp.name) / f"extract-{self._extracts}" / f"{source.path.stem or 'notebook'}.py"
        path.parent.mkdir()
        path.write_bytes(source.data)
        return Job(path, source.label, source.data)

    def _grade_many(self, prep: Prepared, jobs: Sequence[Job], done: JobDone, trusted: bool = False) -> None:
        """Grade jobs on all zygotes at once; one that cannot run fails alone (see grade). Ctrl-C
        stops the batch at once: the jobs in flight end with their zygotes."""
        pending, lock, stop = iter(range(len(jobs))), threading.Lock(), threading.Event()

        def work(slot: int) -> None:
            # each free worker takes the next file: one slow submission holds up only its own worker
            while not stop.is_set() and (i := _next(pending, lock)) is not None:
                job = jobs[i]
                report = self.grade(prep, job.path, job.label, slot=slot, trusted=trusted, stopping=stop)
                if not stop.is_set():  # a job cut short by Ctrl-C has no report to tell
                    done(i, report, str(job.path))

        with ThreadPoolExecutor(len(self.zygotes)) as pool:
            try:  # Ctrl-C may land while a worker thread is still starting, too
                workers = [pool.submit(work, slot) for slot in range(len(self.zygotes))]
                for worker in workers:
                    _result_in_short_waits(worker)
            except BaseException:
                stop.set()
                for zygote in self.zygotes:
                    zygote.close()
                raise

    def close(self) -> None:
        for z in self.zygotes:
            z.close()
        if self.pool is not None:
            self.pool.close()
        self._tmp.cleanup()

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def exercise_class_name(exercise_id: str) -> str:
    from grader.course import registry

    return registry.load(exercise_id).class_name


def _source(path: Path, label: str, class_name: str) -> Source:
    """The submission as its learner could read it (grader.isolation.submission); one the grader will
    not read is a source whose job fails saying why."""
    try:
        real, data = read_submission(path)
    except SubmissionError as err:
        return Source(path, label, b"", problem=str(err))
    return load_source(real, label, class_name, data)


def failed(exercise_id: str, label: str, device: str, checks: Sequence[tuple[str, str]], message: str) -> Report:
    """A report whose first check fails with `message`, the others not graded."""
    results = [CheckResult(cid, category, "skip", "not graded") for cid, category in checks]
    results[0] = CheckResult(results[0].id, results[0].category, "fail", message)
    return Report(exercise_id, label, "fail", device, 0.0, results)


def unrunnable(exercise_id: str, label: str, device: str, checks: Sequence[tuple[str, str]], why: str) -> Report:
    """The report of a submission the grader could not run: its first check fails saying why."""
    return failed(exercise_id, label, device, checks, f"the grader could not run this submission ({why}); "
                                                      "grade it again alone")


def same_groups(sources: Sequence[Source]) -> list[list[int]]:
    """Indices of `sources`, grouped by same code (grader.sources.same), in order of first file;
    a file that cannot be compared is a group of its own."""
    groups: dict[object, list[int]] = {}
    for i, source in enumerate(sources):
        key = fingerprint_text(source)
        groups.setdefault(i if key is None else key, []).append(i)
    return list(groups.values())


def _result_in_short_waits(future: Future) -> None:
    """future.result(), waited for in short steps: the kernel may hand Ctrl-C to a worker thread, and
    Python raises it in the main thread only when that thread next runs (an endless wait would
    sleep through it for good)."""
    while True:
        try:
            future.result(timeout=0.2)
            return
        except TimeoutError:
            continue


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
            folder, missing = stat.S_ISDIR(path.stat().st_mode), False
        except FileNotFoundError:
            folder, missing = False, not path.is_symlink()
        except OSError:
            folder = missing = False
        if folder:
            raise UsageError(f"{label} is a folder: give the file in it to grade (a .py or .ipynb file, "
                             f"e.g. {Path(label) / (exercise_id + '.py')})")
        if missing:
            raise UsageError(f"no such file: {label}" + ("" if f is not None else
                             " (run `grader init` to create the exercises, or pass a FILE)"))
        out.append((Path(os.path.abspath(path)), label))  # links are checked when it is read (isolation.submission)
    return out


def grade_files(exercise_id: str, files: Sequence[str | Path | None], *, device: str = "cpu",
                store: ProgressStore | None = None, jobs: int = 1, limits: Limits | None = None,
                on_done: Callable[[Report], None] | None = None, sandbox: bool = False,
                pool: Pool | None = None) -> list[Report]:
    """`Grader.check` on workers started for this call alone (or on `pool`, closed at the end).
    `sandbox`: under bubblewrap."""
    paths = submission_paths(exercise_id, files)  # usage errors before any worker starts
    if device != "cpu" and pool is None:  # likewise a missing GPU (a pool's workers find their own)
        device = resolve_device(device)
    with Grader(jobs=min(jobs, len(paths)), limits=limits, sandbox=sandbox, pool=pool) as grader:
        return grader.check(exercise_id, files, device=device, on_done=on_done, store=store)
