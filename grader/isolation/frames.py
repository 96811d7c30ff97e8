"""Reading what a child left behind, as untrusted input. See docs/threat-model.md.

The child appends its result frames to one file through a descriptor it was given (grader.isolation.wire
records). Here the file is opened without following links or blocking on special files, read within a
byte budget, decoded with hard limits (grader.isolation.wire.decode), and every frame is checked
against the schema of its kind (`SCHEMAS`: the fields, their types and sizes) before anything else
touches it. The first record that breaks a rule ends the trusted part: what came before is kept, and
the reason is returned as a plain sentence for the report.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.isolation.protocol import SAFE_OPEN

OUTPUT_SHOWN = 4000  # characters of the learner's output kept in the report
# What one child may deliver: 64 MB of records (the largest honest job delivers under 1 MB) holding at
# most 500,000 values. With this, the parent's memory for one job's results stays under about 150 MB.
FRAMES_BUDGET = 64 * 2**20
VALUES_BUDGET = 500_000
MAX_FRAMES = 10_000
MAX_LIST = 10_000  # names (ops, functions, parameters, ...) in one field

Check = Callable[[Any], bool]


def _text(x: Any) -> bool:
    return isinstance(x, str)


def _int(x: Any) -> bool:
    return type(x) is int


def _number(x: Any) -> bool:
    return type(x) in (int, float)


def _flag(x: Any) -> bool:
    return type(x) is bool


def _any(x: Any) -> bool:
    return True  # any decoded value: already bounded in size and depth by the wire format


def _tensor(x: Any) -> bool:
    import torch  # not at module level: the parent starts its workers before it imports torch

    return isinstance(x, torch.Tensor)


def _optional(check: Check) -> Check:
    return lambda x: x is None or check(x)


def _list(check: Check, most: int = MAX_LIST) -> Check:
    return lambda x: isinstance(x, list) and len(x) <= most and all(check(i) for i in x)


def _dict(check: Check) -> Check:
    return lambda x: isinstance(x, dict) and len(x) <= MAX_LIST and all(_text(k) and check(v) for k, v in x.items())


def _record(required: dict[str, Check], optional: dict[str, Check] | None = None) -> Check:
    """A dict with every required field, no field unknown, each of the right type."""
    fields = {**required, **(optional or {})}
    return lambda x: (isinstance(x, dict) and required.keys() <= x.keys() and x.keys() <= fields.keys()
                      and all(fields[k](v) for k, v in x.items()))


ERROR = _record({"type": _text, "message": _text, "where": _text})
STAGE = _record({"kind": _text, "name": _text, "op": _text, "input_shapes": _list(_list(_int, 8), 64), "output": _any})
STAGES = _list(STAGE, 160)  # the child records at most 120 stages, plus the inputs and the output
NAMES = _list(_text)
# every frame the child writes, by kind: {field: check} required, then optional (besides "kind")
SCHEMAS: dict[str, tuple[dict[str, Check], dict[str, Check]]] = {
    "load": ({"config": _text}, {"failed_at": _text, "error": _text, "signature": _text, "call_overridden": _flag,
                                 "signature_error": _text, "init_state": _dict(_tensor)}),
    "case": ({"id": _text, "error": _optional(ERROR)},
             {"output": _any, "off_device_outputs": _int, "ops": NAMES, "module_classes": NAMES, "functions": NAMES,
              "calls": _dict(_int), "stages": STAGES, "device_violations": NAMES, "grad_set_in_forward": NAMES,
              "state_changed": NAMES, "state_added": NAMES, "inputs_changed": NAMES, "repeat_output": _any,
              "buffers_after": _dict(_any), "param_names": NAMES, "grad_error": ERROR, "param_grads": _dict(_any),
              "input_grads": _list(_any, 256), "input_names": NAMES}),
    "done": ({}, {}),
    "trace": ({"stages": STAGES, "truncated": _flag, "error": _optional(ERROR)}, {}),
    "epoch": ({"epoch": _int, "loss": _number, "train_accuracy": _number, "accuracy": _number, "seconds": _number},
              {}),
    "train-error": ({"epoch": _int, "error": ERROR}, {}),
}
_CHECKS = {kind: _record({**required, "kind": _text}, optional) for kind, (required, optional) in SCHEMAS.items()}


def valid_frame(frame: Any) -> bool:
    """Whether `frame` has the form of one the grader's child writes (see SCHEMAS)."""
    kind = frame.get("kind") if isinstance(frame, dict) else None
    check = _CHECKS.get(kind) if isinstance(kind, str) else None
    return check is not None and check(frame)


def _open_plain(name: str | Path, dir_fd: int | None = None) -> int | None:
    """A descriptor for a regular file, never following a link nor blocking on a FIFO; else None."""
    try:
        fd = os.open(name, os.O_RDONLY | SAFE_OPEN, dir_fd=dir_fd)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def _read_fd(fd: int, limit: int, start: int = 0) -> bytearray:
    """Up to `limit` bytes from `start` into one buffer (tensors decoded from it share its memory)."""
    buffer = bytearray(limit)
    size = 0
    with os.fdopen(fd, "rb") as f:
        f.seek(start)
        while size < limit and (n := f.readinto(memoryview(buffer)[size:])):
            size += n
    del buffer[size:]
    return buffer


def read_frames(results: Path, start: int = 0) -> tuple[list[dict], str, int]:
    """The child's frames from byte `start` of its results file on; returns (frames, error, where the
    next unread record starts). A missing file holds no frames; a record cut short (a child stopped
    while writing) is left for later; anything else out of order ends the trusted part with `error`."""
    from grader.isolation.wire import Budget, WireError, decode

    fd = _open_plain(results)
    if fd is None:
        return [], ("" if not os.path.lexists(results) else
                    "your code replaced the file its results are written to"), start
    size = os.fstat(fd).st_size
    if size > FRAMES_BUDGET:
        os.close(fd)
        return [], f"your code left more than {FRAMES_BUDGET // 2**20} MB of results: they were not read", start
    data = _read_fd(fd, size - start, start) if size > start else bytearray()
    frames: list[dict] = []
    budget, position = Budget(FRAMES_BUDGET - start, VALUES_BUDGET), 0
    while position < len(data):
        try:
            batch, end = decode(data, position, budget)
        except EOFError:
            break
        except WireError as err:
            return frames, f"a result from your process could not be read ({err}): your code changed it", \
                start + position
        if not (isinstance(batch, list) and all(valid_frame(f) for f in batch)) \
                or len(frames) + len(batch) > MAX_FRAMES:
            return frames, "a result from your process is not one the grader wrote: your code changed it", \
                start + position
        frames.extend(batch)
        position = end
    return frames, "", start + position


def read_output(path: Path) -> tuple[str, int]:
    """The head of what the child printed, and how many bytes it printed in all."""
    fd = _open_plain(path)
    if fd is None:
        return "", 0
    size = os.fstat(fd).st_size
    return bytes(_read_fd(fd, min(size, OUTPUT_SHOWN * 4))).decode(errors="replace")[:OUTPUT_SHOWN], size
