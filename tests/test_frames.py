"""The results channel as the parent sees it: what a child writes is decoded within hard limits and
checked against each frame kind's schema before anything uses it (grader.isolation.wire, .frames).
Forged records of every shape fail with a plain sentence, quickly, and never raise."""

from __future__ import annotations

import json
import math
import os
import struct
import time
from pathlib import Path

import pytest
import torch

from grader.isolation import wire
from grader.isolation.frames import FRAMES_BUDGET, read_frames, valid_frame

CASE = {"kind": "case", "id": "batch-1", "error": None, "output": torch.ones(2, 3), "ops": ["torch.relu"],
        "module_classes": [], "functions": [], "calls": {"": 1}, "stages": [], "device_violations": [],
        "grad_set_in_forward": [], "state_changed": [], "inputs_changed": [], "buffers_after": {},
        "param_names": ["w"], "param_grads": {"w": torch.zeros(3)}, "input_grads": [None]}


def record(tree: object, blob: bytes = b"") -> bytes:
    """A record as a forger would write it: any JSON tree, any tensor bytes."""
    text = json.dumps(tree).encode()
    head = struct.pack("<4sIQ", b"FLR1", len(text), len(blob)) + text
    return head + bytes(-len(head) % 64) + blob + bytes(-len(blob) % 64)


def decode(data: bytes, values: int = 500_000) -> object:
    return wire.decode(bytearray(data), 0, wire.Budget(FRAMES_BUDGET, values))[0]


def results(tmp_path: Path, *records: bytes) -> Path:
    path = tmp_path / "results.bin"
    path.write_bytes(b"".join(records))
    return path


def test_plain_data_crosses_unchanged() -> None:
    value = {"floats": [1.5, math.inf, -0.0], "nested": ((1, None), [True, "x"]), 3: "int key",
             "tensors": [torch.arange(6.0).reshape(2, 3).t(), torch.tensor(7, dtype=torch.int64),
                         torch.zeros(0, 4), torch.ones(3, dtype=torch.bfloat16), torch.tensor([True, False])]}
    back = decode(wire.encode(value))
    assert back.keys() == value.keys() and back[3] == "int key" and back["nested"] == ((1, None), [True, "x"])
    assert back["floats"][:2] == [1.5, math.inf]
    for got, sent in zip(back["tensors"], value["tensors"], strict=True):
        assert got.dtype == sent.dtype and torch.equal(got, sent)


def test_what_the_parent_would_refuse_is_named_not_sent() -> None:
    class Sneaky(torch.Tensor):
        pass

    back = decode(wire.encode([torch.ones(2).as_subclass(Sneaky), 2**70, "x" * 100_000, object(), [[[[]]]] * 2]))
    assert back[0]["__type__"].endswith(".Sneaky") and back[1]["__type__"].endswith("(out of range)")
    assert len(back[2]) == wire.MAX_STRING and back[3] == {"__type__": "builtins.object"}


def nested(depth: int) -> bytes:
    text = b"[" * depth + b"]" * depth
    return struct.pack("<4sIQ", b"FLR1", len(text), 0) + text + bytes(-(16 + len(text)) % 64)


@pytest.mark.parametrize(("forged", "why"), [
    (b"PK\x03\x04" + bytes(60), "not a result record"),  # a torch.save zip: never unpickled
    (nested(300_000), "not valid JSON"),  # a recursion bomb
    (record({"x": ["float64", [2**40, 2**20], 0]}, bytes(64)), "outside its place"),  # 8 EB claimed
    (record({"l": [{"x": ["float32", [16], 0]}, {"x": ["float32", [16], 0]}]}, bytes(64)), "outside its place"),
    (record({"x": ["object", [1], 0]}, bytes(64)), "unknown dtype"),
    (record({"x": ["uint8", [1] * 9, 0]}, bytes(64)), "unknown dtype or shape"),
    (record({"l": [2**64]}), "out of range"),
    (record({"q": []}), "unknown kind"),
    (record({"d": [[{"l": [1]}, 2]]}), "not a plain value"),  # an unhashable key
    (record({"l": ["x" * (wire.MAX_STRING + 1)]}), "longer than"),
], ids=["zip", "nesting", "huge-shape", "shared-bytes", "dtype", "dims", "int", "tag", "key", "string"])
def test_forged_records_are_refused_with_the_reason(forged: bytes, why: str) -> None:
    with pytest.raises(wire.WireError, match=why):
        decode(forged)


def test_a_record_spelling_out_a_shared_structure_is_refused_quickly() -> None:
    """The 2**100-step tuple of pickle days cannot be shared in JSON: spelled out, it runs into the
    values budget before anything is built from it, in well under a second's worth of work."""
    node = "0"
    while len(node) < 1_500_000:
        node = '{"t":[' + node + "," + node + "]}"
    start = time.process_time()
    with pytest.raises(wire.WireError, match="more results"):
        decode(record({"l": [{"d": [["id", json.loads(node)]]}]}))
    assert time.process_time() - start < 5


def test_a_record_cut_short_is_left_for_later(tmp_path: Path) -> None:
    whole = wire.encode([{"kind": "done"}])
    path = results(tmp_path, wire.encode([{"kind": "load", "config": "base"}]), whole[:40])
    frames, error, end = read_frames(path)
    assert frames == [{"kind": "load", "config": "base"}] and error == "" and end == 64 * math.ceil(end / 64)


def test_valid_frames_are_read_and_streamed_from_where_reading_stopped(tmp_path: Path) -> None:
    first, second = wire.encode([{"kind": "load", "config": "base"}, CASE]), wire.encode([{"kind": "done"}])
    path = results(tmp_path, first, second)
    frames, error, end = read_frames(path)
    assert error == "" and [f["kind"] for f in frames] == ["load", "case", "done"] and end == len(first) + len(second)
    assert torch.equal(frames[1]["output"], torch.ones(2, 3))
    assert read_frames(path, start=len(first))[0] == [{"kind": "done"}]


@pytest.mark.parametrize("frame", [
    {**CASE, "id": ["batch-1"]},  # unhashable
    {**CASE, "error": {"type": {"type": "x"}, "message": "", "where": ""}},
    {**CASE, "calls": {"fc1": "many"}},
    {**CASE, "stages": [{"kind": "module", "name": "fc1", "op": "Linear", "input_shapes": [], "output": 0}] * 161},
    {**CASE, "payload": "anything"},  # no such field
    {"kind": "case", "error": None},  # no id
    {"kind": "load"},  # no config
    {"kind": "epoch", "epoch": 1, "loss": "low", "train_accuracy": 0.5, "accuracy": 0.5, "seconds": 1},
    {"kind": "verdict", "status": "pass"},
])
def test_frames_off_their_schema_are_refused_before_any_check_sees_them(tmp_path: Path, frame: dict) -> None:
    assert not valid_frame(frame)
    path = results(tmp_path, wire.encode([{"kind": "load", "config": "base"}]), wire.encode([frame]))
    frames, error, _ = read_frames(path)
    assert frames == [{"kind": "load", "config": "base"}] and "not one the grader wrote" in error


def test_garbage_after_good_records_ends_the_trusted_part(tmp_path: Path) -> None:
    path = results(tmp_path, wire.encode([{"kind": "load", "config": "base"}]), b"PASS" * 64)
    frames, error, _ = read_frames(path)
    assert len(frames) == 1 and "could not be read (not a result record)" in error


def test_more_results_than_the_budget_are_not_read(tmp_path: Path) -> None:
    path = tmp_path / "results.bin"
    with open(path, "wb") as f:  # sparse: the test writes nothing, the grader must read nothing
        f.truncate(FRAMES_BUDGET + 1)
    assert read_frames(path) == ([], f"your code left more than {FRAMES_BUDGET // 2**20} MB of results: "
                                     "they were not read", 0)


def test_a_results_file_that_is_a_fifo_or_a_link_is_not_opened(tmp_path: Path) -> None:
    assert read_frames(tmp_path / "results.bin") == ([], "", 0)  # the child ended before writing any
    os.mkfifo(tmp_path / "results.bin")
    start = time.monotonic()
    assert "replaced" in read_frames(tmp_path / "results.bin")[1]
    (tmp_path / "results.bin").unlink()
    (tmp_path / "results.bin").symlink_to("/etc/passwd")
    assert "replaced" in read_frames(tmp_path / "results.bin")[1]
    assert time.monotonic() - start < 1
