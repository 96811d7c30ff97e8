"""The result wire format: how an observation crosses from the child to the parent without trusting it.

A record is plain data as JSON (every container tagged, so that nothing is ambiguous) followed by raw
tensor bytes: no pickle, no compression, no shared references. Encoding (`encode`, in the child) keeps
only primitives, lists, tuples, dicts and plain CPU tensors; decoding (`decode`, in the parent) checks
the record against hard limits before it builds anything: JSON size, nesting depth, item counts,
string lengths, tensor dtypes, shapes and byte counts, all charged to a per-job `Budget`. A record
that breaks a limit raises `WireError`. Imports only torch and the standard library (both sides).

Layout of one record (little-endian): b"FLR1", u32 JSON length, u64 tensor-bytes length, the JSON,
zero padding to a multiple of 64, the tensor bytes (each tensor at a multiple of 64), zero padding to
a multiple of 64. JSON values: null, booleans, numbers and strings as themselves; {"l": [...]} a
list, {"t": [...]} a tuple, {"d": [[key, value], ...]} a dict, {"x": [dtype, shape, offset]} a tensor.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import math
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch

MAGIC = b"FLR1"
HEAD = struct.Struct("<4sIQ")
ALIGN = 64
DTYPES = {name: getattr(torch, name) for name in (
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
    "uint8", "int8", "int16", "int32", "int64", "bool")}
MAX_JSON = 4 * 2**20  # bytes of JSON in one record
MAX_DEPTH = 24  # nesting of containers
MAX_ITEMS = 100_000  # entries of one list, tuple or dict
MAX_STRING = 65_536  # characters of one string
MAX_DIMS = 8  # dimensions of one tensor
MAX_INT = 2**63


class WireError(ValueError):
    """A record that is not one the grader's writer could have made, or that breaks a limit."""


@dataclass
class Budget:
    """What one job may still deliver to the parent: bytes read (JSON and tensors) and decoded values."""

    bytes: int
    values: int = 1_000_000

    def charge(self, nbytes: int = 0, values: int = 0) -> None:
        self.bytes -= nbytes
        self.values -= values
        if self.bytes < 0 or self.values < 0:
            raise WireError("more results than the grader accepts from one submission")


# --- the child's side ---------------------------------------------------------------------------

def encode(value: Any) -> bytes:
    """One record holding `value`: primitives, lists, tuples, dicts and plain CPU tensors. What the parent
    would refuse becomes {"__type__": name}: a tensor subclass, a sparse or quantized tensor, any other
    object, an integer out of range, a container too long or too deep. Long strings are cut."""
    blobs: list[torch.Tensor] = []
    offset = 0

    def other(x: Any, why: str = "") -> Any:
        return {"d": [["__type__", f"{type(x).__module__}.{type(x).__qualname__}{why}"]]}

    def tensor(t: torch.Tensor) -> Any:
        nonlocal offset
        name = str(t.dtype).removeprefix("torch.")
        if name not in DTYPES or t.layout != torch.strided or t.is_quantized or t.device.type != "cpu" \
                or t.dim() > MAX_DIMS:
            return other(t)
        t = t.detach().contiguous()
        blobs.append(t)
        offset += _padded(t.numel() * t.element_size())
        return {"x": [name, list(t.shape), offset - _padded(t.numel() * t.element_size())]}

    def enc(v: Any, depth: int) -> Any:
        if v is None or isinstance(v, (bool, float)):
            return v
        if isinstance(v, int):
            return v if -MAX_INT <= v < MAX_INT else other(v, " (out of range)")
        if isinstance(v, str):
            return v[:MAX_STRING]
        if type(v) is torch.Tensor:
            return tensor(v)
        if not isinstance(v, (list, tuple, dict)):
            return other(v)
        if depth >= MAX_DEPTH - 1 or len(v) > MAX_ITEMS:
            return other(v, " (too deep or too long)")
        if isinstance(v, dict):
            return {"d": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in v.items()]}
        return {"l" if isinstance(v, list) else "t": [enc(x, depth + 1) for x in v]}

    text = json.dumps(enc(value, 0), separators=(",", ":")).encode()
    parts = [HEAD.pack(MAGIC, len(text), offset), text, bytes(_padded(HEAD.size + len(text)) - HEAD.size - len(text))]
    for t in blobs:
        nbytes = t.numel() * t.element_size()
        parts += [ctypes.string_at(t.data_ptr(), nbytes) if nbytes else b"", bytes(_padded(nbytes) - nbytes)]
    return b"".join(parts)


def _padded(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


# --- the parent's side --------------------------------------------------------------------------

def decode(data: bytearray, start: int, budget: Budget) -> tuple[Any, int]:
    """The value of the record at `start` in `data`, and where the next record starts. Raises
    WireError for anything the writer could not have made; EOFError when the record is cut short
    (a child stopped while writing it). Tensors share `data`'s memory: nothing is copied."""
    if len(data) - start < HEAD.size:
        raise EOFError
    magic, json_len, blob_len = HEAD.unpack_from(data, start)
    if magic != MAGIC or json_len > MAX_JSON:
        raise WireError("not a result record")
    blobs = start + _padded(HEAD.size + json_len)
    end = blobs + blob_len
    if blob_len % ALIGN or end > len(data):
        if end > len(data) and blob_len % ALIGN == 0:
            raise EOFError
        raise WireError("a result record of the wrong length")
    budget.charge(nbytes=end - start)
    with _collector_paused():
        try:
            tree = json.loads(bytes(data[start + HEAD.size:start + HEAD.size + json_len]))
        except (ValueError, RecursionError) as err:  # bad JSON, a number too long, nesting too deep to parse
            raise WireError(f"not valid JSON ({type(err).__name__})") from None
        return _Decoder(data, blobs, blob_len, budget).value(tree, 0), end


_paused = [0]  # decodes in progress (several worker threads decode at once)
_pause_lock = threading.Lock()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a record is built: JSON builds no cycles, and a collector
    run every few hundred allocations makes building 500,000 values take seconds instead of a tenth."""
    with _pause_lock:
        _paused[0] += 1
        if _paused[0] == 1:
            _paused.append(gc.isenabled())
            gc.disable()
    try:
        yield
    finally:
        with _pause_lock:
            _paused[0] -= 1
            if _paused[0] == 0 and _paused.pop():
                gc.enable()


class _Decoder:
    """Turns a record's JSON tree into values, checking every limit before building anything."""

    def __init__(self, data: bytearray, base: int, size: int, budget: Budget) -> None:
        self.data, self.base, self.size, self.budget = data, base, size, budget
        self.free = 0  # tensors lie one after another: none may share (or re-use) another's bytes

    def value(self, node: Any, depth: int) -> Any:
        self.budget.charge(values=1)
        if node is None or isinstance(node, bool):
            return node
        if isinstance(node, int):
            if not -MAX_INT <= node < MAX_INT:
                raise WireError("an integer out of range")
            return node
        if isinstance(node, float):
            return node
        if isinstance(node, str):
            if len(node) > MAX_STRING:
                raise WireError("a string longer than the grader accepts")
            return node
        if not (isinstance(node, dict) and len(node) == 1) or depth >= MAX_DEPTH:
            raise WireError("a value nested too deeply or of an unknown kind")
        (tag, body), = node.items()
        if tag == "x":
            return self.tensor(body)
        if not isinstance(body, list) or len(body) > MAX_ITEMS:
            raise WireError("a container of the wrong shape or size")
        if tag == "l":
            return [self.value(item, depth + 1) for item in body]
        if tag == "t":
            return tuple(self.value(item, depth + 1) for item in body)
        if tag == "d":
            return dict(self.entry(item, depth + 1) for item in body)
        raise WireError("a value of an unknown kind")

    def entry(self, item: Any, depth: int) -> tuple[Any, Any]:
        if not (isinstance(item, list) and len(item) == 2):
            raise WireError("a dict entry of the wrong shape")
        key = self.value(item[0], depth)
        if not (key is None or isinstance(key, (bool, int, float, str))):
            raise WireError("a dict key that is not a plain value")
        return key, self.value(item[1], depth)

    def tensor(self, body: Any) -> torch.Tensor:
        if not (isinstance(body, list) and len(body) == 3 and body[0] in DTYPES and isinstance(body[1], list)
                and len(body[1]) <= MAX_DIMS and all(type(n) is int and 0 <= n < MAX_INT for n in body[1])
                and type(body[2]) is int):
            raise WireError("a tensor of an unknown dtype or shape")
        dtype, shape, offset = DTYPES[body[0]], body[1], body[2]
        numel = math.prod(shape)
        nbytes = numel * dtype.itemsize
        if offset < self.free or offset % ALIGN or offset + nbytes > self.size:
            raise WireError("a tensor outside its place in the record")
        self.free = offset + _padded(nbytes)
        if numel == 0:
            return torch.empty(shape, dtype=dtype)
        return torch.frombuffer(self.data, dtype=dtype, count=numel, offset=self.base + offset).view(shape)
