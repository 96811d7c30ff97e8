"""Reading what a child left behind, as untrusted input: result frames and captured output are read
without following links or blocking on special files, within a size budget, and frames are
unpickled as plain data only (torch.load weights_only). See docs/threat-model.md.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

OUTPUT_SHOWN = 4000  # characters of the learner's output kept in the report
FRAMES_BUDGET = 512 * 2**20  # bytes of result frames read from one child at most


def _open_plain(name: str, dir_fd: int | None = None) -> int | None:
    """A descriptor for a regular file, never following a link nor blocking on a FIFO; else None."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def _read_fd(fd: int, limit: int) -> bytes:
    with os.fdopen(fd, "rb") as f:
        return f.read(limit)


def read_frames(results: Path, start: int = 0) -> tuple[list[dict], str, int]:
    """Load the child's frames (from file number `start` on) as plain data only (weights_only: no
    code, no tensor subclasses); returns (frames, error, files read). Links, special files and files
    past the size budget end the trusted part. Each file holds a batch: {"kind": "frames", "frames": [...]}."""
    import io

    import torch

    try:
        dir_fd = os.open(results, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return [], "your code removed or replaced the folder its results are written to", 0
    frames: list[dict] = []
    budget, files = FRAMES_BUDGET, 0
    try:
        names = sorted((n for n in os.listdir(dir_fd) if n.startswith("frame-") and n.endswith(".pt")),
                       key=lambda n: (len(n), n))  # numeric order, past frame-9999.pt too
        for number, name in enumerate(names[start:], start + 1):
            if name != f"frame-{number:04d}.pt":  # the child numbers them 1, 2, 3, ...: anything else was tampered with
                return frames, "your code removed, replaced or added result files of the grader", files
            fd = _open_plain(name, dir_fd)
            size = os.fstat(fd).st_size if fd is not None else 0
            if fd is None or size > budget:
                if fd is not None:
                    os.close(fd)
                return frames, ("a result file from your process is not a plain file of a sane size: "
                                "it was not read"), files
            budget -= size
            try:
                batch = torch.load(io.BytesIO(_read_fd(fd, size)), weights_only=True)
            except Exception as err:  # noqa: BLE001 - a forged or corrupt frame ends the trusted part
                return frames, ("a result from your process could not be read as plain tensors "
                                f"({type(err).__name__})"), files
            inner = batch.get("frames") if isinstance(batch, dict) and batch.get("kind") == "frames" else None
            if not (isinstance(inner, list)
                    and all(isinstance(f, dict) and isinstance(f.get("kind"), str) for f in inner)):
                return frames, "a result from your process is not one the grader wrote: your code changed it", files
            frames.extend(inner)
            files += 1
    finally:
        os.close(dir_fd)
    return frames, "", files


def read_output(path: Path) -> tuple[str, int]:
    """The head of what the child printed, and how many bytes it printed in all."""
    fd = _open_plain(str(path))
    if fd is None:
        return "", 0
    size = os.fstat(fd).st_size
    return _read_fd(fd, OUTPUT_SHOWN).decode(errors="replace"), size
