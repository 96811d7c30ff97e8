"""Grading on Ray: a batch's submissions run on the same isolated workers, held by Ray actors, on
this machine or across a cluster (`grader check ... --backend ray [--address ADDR]`).

Each actor holds a warm Grader (one zygote) with the exercise prepared, and grades submissions sent
as bytes; the parent spreads the jobs over the actors, two at a time each (one running, the next
waiting), and tells every report as the local pool would (grader.grading.Grader.check_sources).
An actor that is lost (its node gone, its process killed) is dropped and its jobs run again
elsewhere, on a new actor if none is left; a job lost three times gets a failing report of its own.
Actors check that they grade with the same grader, exercise and torch as this machine. With
--device cuda, each actor takes a fraction of a GPU (`num_gpus`). Ray is an optional extra
(`pip install 'forwardlab[ray]'`); nothing here imports it before it is asked for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.grading import Grader, Job, JobDone, unrunnable
from grader.isolation.protocol import Limits
from grader.judging.prepare import Secret, resolve_device
from grader.report import Report

RAY_MISSING = "--backend ray needs Ray, which is not installed here: pip install 'forwardlab[ray]' " \
              "(or use --backend local)"
QUEUED_PER_ACTOR = 2  # one job running, the next already there when it ends
TRIES = 3  # runs of a job whose actor was lost each time, before it is reported as not graded
READY_TIMEOUT_S = 900.0  # an actor's start: a cluster may first have to add a node


def version_key(spec_file: Path) -> str:
    """Changes whenever the grader's code, the exercise's spec or torch's version does: the actors on
    the cluster must judge with what this machine has."""
    import hashlib

    import torch

    digest = hashlib.sha256(torch.__version__.encode())
    for path in [*sorted(Path(__file__).parents[1].rglob("*.py")), spec_file]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def require_ray() -> Any:
    """The ray module; a usage error when it is not installed."""
    try:
        import ray
    except ImportError:
        raise UsageError(RAY_MISSING) from None
    return ray


class GradingActor:
    """Runs inside a Ray actor: a warm Grader with one exercise prepared."""

    def __init__(self, exercise_id: str, device: str, limits: Limits | None, sandbox: bool, secret: Secret) -> None:
        self.grader = Grader(jobs=1, limits=limits, sandbox=sandbox, secret=secret)
        self.prep = self.grader.prepared(exercise_id, resolve_device(device))
        self.folder = Path(tempfile.mkdtemp(prefix="forwardlab-ray-"))
        self.count = 0

    def ready(self) -> dict:
        """What the parent checks and needs: the version key, the checks, the device, the processes."""
        from grader.course import registry

        return {"key": version_key(registry.spec_files()[self.prep.exercise.id]), "device": self.prep.device,
                "checks": [(c.id, c.category) for c in self.prep.checks],
                "pids": [os.getpid(), *(z.proc.pid for z in self.grader.zygotes)]}

    def grade(self, label: str, data: bytes, name: str) -> tuple[Report, str]:
        """Grade one submission's bytes as file `name`; (its report, the path the child loaded)."""
        self.count += 1
        path = self.folder / str(self.count) / (Path(name).name or "submission.py")
        path.parent.mkdir()
        path.write_bytes(data)
        try:
            return self.grader.grade(self.prep, path, label), str(path)
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)

    def close(self) -> None:
        self.grader.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class RayPool:
    """grader.grading.Pool on Ray actors. Joins the cluster at `address`, else starts a local Ray
    instance (shut down again by `close`); `actors`: how many (default: the cluster's CPUs). Every actor
    draws its probes from the pool's one `secret` (by default a fresh one): a batch is judged on the same
    probes wherever each file runs, as on the local workers."""

    def __init__(self, address: str | None = None, actors: int | None = None, gpus_per_actor: float | None = None,
                 limits: Limits | None = None, sandbox: bool = False, secret: Secret | None = None) -> None:
        self.ray = require_ray()
        self.secret = secret or Secret()
        self.started = not self.ray.is_initialized()
        if self.started:
            try:
                # "local": a Ray instance of our own, never one found running on this machine
                self.ray.init(address=address or "local", include_dashboard=False, logging_level=logging.ERROR,
                              log_to_driver=False, configure_logging=True)
            except (ConnectionError, ValueError, RuntimeError) as err:
                where = f"join the Ray cluster at {address}" if address else "start a local Ray instance"
                raise UsageError(f"cannot {where}: {err}") from None
        self.size, self.gpus, self.limits, self.sandbox = actors, gpus_per_actor, limits, sandbox
        self.actors: list[Any] = []
        self.pids: list[int] = []  # the actors' processes and their zygotes (for tests of the clean-up)
        self._checks: list[tuple[str, str]] = []
        self._device = "cpu"
        self._for: tuple[str, str] | None = None  # the exercise and device the actors hold

    def grade_many(self, exercise_id: str, device: str, jobs: Sequence[Job], done: JobDone) -> None:
        device, gpus = self._placement(device)
        if self._for != (exercise_id, device):  # the actors hold one prepared exercise: another needs new ones
            self._stop_actors()
            self._for = (exercise_id, device)
        wanted = min(self.size or max(1, int(self.ray.cluster_resources().get("CPU", 1))), len(jobs))
        if len(self.actors) < wanted:  # warm actors stay for the next batch of the same exercise
            self._start(exercise_id, device, gpus, wanted - len(self.actors))
        queue: deque[tuple[int, int]] = deque((i, 1) for i in range(len(jobs)))
        running: dict[Any, tuple[Any, int, int]] = {}  # object ref -> (actor, job index, try)
        while queue or running:
            while queue and self.actors:
                busy = [a for a, _, _ in running.values()]
                actor = min(self.actors, key=busy.count)
                if busy.count(actor) >= QUEUED_PER_ACTOR:
                    break
                i, attempt = queue.popleft()
                job = jobs[i]
                running[actor.grade.remote(job.label, job.data, job.path.name)] = (actor, i, attempt)
            ready, _ = self.ray.wait(list(running), num_returns=1)
            actor, i, attempt = running.pop(ready[0])
            try:
                report, path = self.ray.get(ready[0])
            except self.ray.exceptions.RayActorError as err:
                self._lose(actor)
                if attempt < TRIES:
                    queue.appendleft((i, attempt + 1))
                    if not self.actors:
                        self._start(exercise_id, device, gpus, 1)
                    continue
                report, path = self._unrunnable(exercise_id, jobs[i], f"its Ray worker was lost {TRIES} times: "
                                                f"{type(err).__name__}"), str(jobs[i].path)
            except self.ray.exceptions.RayError as err:
                report, path = self._unrunnable(exercise_id, jobs[i], f"{type(err).__name__}: {err}"), str(jobs[i].path)
            done(i, report, path)

    def _placement(self, device: str) -> tuple[str, float]:
        """(device, GPUs per actor): cuda only where the cluster has a GPU."""
        has_gpu = self.ray.cluster_resources().get("GPU", 0) > 0
        if device == "cuda" and not has_gpu:
            raise UsageError("--device cuda: the Ray cluster has no GPU; valid: cpu, auto")
        if device == "auto":
            device = "cuda" if has_gpu else "cpu"
        return device, (self.gpus if self.gpus is not None else 0.25) if device == "cuda" else 0.0

    def _start(self, exercise_id: str, device: str, gpus: float, count: int) -> None:
        """`count` more actors, warm and checked against this machine's grader and exercise."""
        from grader.course import registry

        remote = self.ray.remote(GradingActor).options(num_cpus=1, num_gpus=gpus, max_restarts=0)
        new = [remote.remote(exercise_id, device, self.limits, self.sandbox, self.secret) for _ in range(count)]
        try:
            infos = self.ray.get([a.ready.remote() for a in new], timeout=READY_TIMEOUT_S)
        except self.ray.exceptions.RayError as err:
            for actor in new:
                self._lose(actor)
            raise UsageError(f"the Ray workers could not prepare {exercise_id}: {err}") from None
        key = version_key(registry.spec_files()[exercise_id])
        if any(info["key"] != key for info in infos):
            for actor in new:
                self._lose(actor)
            raise UsageError(f"the Ray workers grade with another version of the grader, of {exercise_id} or of "
                             "torch than this machine: install the same forwardlab and torch on the cluster")
        self._checks, self._device = infos[0]["checks"], infos[0]["device"]
        self.pids += [pid for info in infos for pid in info["pids"]]
        self.actors += new

    def _unrunnable(self, exercise_id: str, job: Job, why: str) -> Report:
        return unrunnable(exercise_id, job.label, self._device, self._checks or [("load/import", "load")], why)

    def _lose(self, actor: Any) -> None:
        if actor in self.actors:
            self.actors.remove(actor)
        with contextlib.suppress(Exception):
            self.ray.kill(actor, no_restart=True)

    def _stop_actors(self) -> None:
        """Close every actor's grader (its zygote), then end the actors."""
        closing = [a.close.remote() for a in self.actors]
        with contextlib.suppress(self.ray.exceptions.RayError):
            self.ray.get(closing, timeout=60)
        for actor in list(self.actors):
            self._lose(actor)

    def close(self) -> None:
        """End the actors, and the Ray instance if it was started here."""
        self._stop_actors()
        if self.started:
            self.ray.shutdown()
