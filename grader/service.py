"""A warm grading worker over pipes: `grader serve` and the client that drives it.

The worker imports torch once, keeps a zygote and every prepared exercise, and answers one JSON
line per request, so that re-checks cost a fork and the checks themselves. It also runs the
learning modes (ops "trace" and "train"); a training run first streams one {"event": ...} line per
epoch. The client side imports nothing heavy: the TUI uses it without paying for torch.
(`grader watch` grades in its own process: it is a grader already.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from grader.errors import UsageError
from grader.isolation.worker import pipes
from grader.report import Report

if TYPE_CHECKING:
    from grader.grading import Grader


def serve(store_path: str | None) -> int:
    """Answer requests from stdin until it closes. Each reply is one JSON line on stdout."""
    from grader.course.progress import ProgressStore
    from grader.course.registry import resolve
    from grader.grading import Grader

    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints (ours or a library's) must not corrupt the protocol
    store = ProgressStore(store_path) if store_path else None
    with Grader(jobs=1) as grader:
        for line in sys.stdin:
            request = json.loads(line)
            try:
                if request["op"] == "warm":
                    import torch  # noqa: F401

                    grader.zygotes[0].wait_ready()
                    reply: dict = {"ok": True}
                elif request["op"] in ("trace", "train"):
                    reply = {"ok": True, "result": _run_mode(request, grader, protocol)}
                else:
                    report, = grader.check(resolve(request["exercise"]), [request.get("file")],
                                           device=request.get("device", "cpu"), store=store)
                    reply = {"ok": True, "report": {**report.to_dict(), "output": report.output}}
            except UsageError as err:
                reply = {"ok": False, "usage": True, "error": str(err)}
            except Exception as err:  # noqa: BLE001 - the worker stays up; the client shows the error
                reply = {"ok": False, "usage": False, "error": f"{type(err).__name__}: {err}"}
            protocol.write(json.dumps(reply) + "\n")
    return 0


def _run_mode(request: dict, grader: Grader, protocol: IO[str]) -> dict:
    """A pipeline trace or a training run on the worker's warm zygote, with the file's check verdict."""
    from grader.course.registry import resolve
    from grader.modes.verdict import checked

    exercise, file = resolve(request["exercise"]), request.get("file")
    if request["op"] == "trace":
        from grader.modes.trace import trace_file

        return checked(grader, exercise, file,
                       lambda zygote: trace_file(exercise, file, request.get("batch"), zygote=zygote))
    from grader.isolation.training import Settings
    from grader.modes.train import check_trainable, train_file, validate

    def send(row: dict) -> None:
        protocol.write(json.dumps({"event": row}) + "\n")

    settings = Settings(**request.get("settings", {}))
    check_trainable(exercise)  # usage errors before the check runs
    validate(settings)
    return checked(grader, exercise, file,
                   lambda zygote: train_file(exercise, file, settings, zygote=zygote, on_epoch=send))


class ServiceError(RuntimeError):
    """The worker could not grade (it died twice in a row, or the grader failed)."""


class ServiceClient:
    """Starts `python -m grader serve` on first use and talks to it; restarts it if it dies."""

    def __init__(self, store_path: str | Path | None = None) -> None:
        self._store = str(store_path) if store_path else None
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            cmd = [sys.executable, "-m", "grader", "serve"] + (["--store", self._store] if self._store else [])
            self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL, text=True, bufsize=1)
        return self._proc

    def _request(self, request: dict, on_event: Callable[[dict], None] | None = None) -> dict:
        with self._lock:
            for _attempt in range(2):
                proc = self._start()
                stdin, stdout = pipes(proc)
                try:
                    stdin.write(json.dumps(request) + "\n")
                    stdin.flush()
                    reply = self._reply(stdout, on_event)
                except (BrokenPipeError, OSError):
                    reply = None
                if reply is not None:
                    return reply
                proc.kill()
                proc.wait()
            raise ServiceError("the grading worker stopped unexpectedly twice")

    @staticmethod
    def _reply(stdout: IO[str], on_event: Callable[[dict], None] | None) -> dict | None:
        """The reply to the request just sent (None if the worker died); events before it go to `on_event`."""
        while line := stdout.readline():
            message = json.loads(line)
            if "event" not in message:
                return message
            if on_event is not None:
                on_event(message["event"])
        return None

    def warm_up(self) -> None:
        self._request({"op": "warm"})

    def run_mode(self, request: dict, on_event: Callable[[dict], None] | None = None) -> dict:
        """The result of a "trace" or "train" request (see grader.modes.trace.trace_file and
        grader.modes.train.train_file)."""
        return _successful(self._request(request, on_event))["result"]

    def check(self, exercise: str, file: str | Path | None, device: str = "cpu") -> Report:
        request = {"op": "check", "exercise": exercise, "file": str(file) if file else None, "device": device}
        return Report.from_dict(_successful(self._request(request))["report"])

    def close(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                pipes(self._proc)[0].close()
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            self._proc = None


def _successful(reply: dict) -> dict:
    """The worker's reply, or the error it reports: a UsageError (exit 2) or a ServiceError."""
    if not reply["ok"]:
        raise (UsageError if reply.get("usage") else ServiceError)(reply["error"])
    return reply

