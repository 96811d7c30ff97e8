"""Reading a submission for the child, the way its learner could read it (parent side).

The child never opens the submission: the grader reads it once, here, and hands the child a copy. As
root, a link on the way to the file is followed only when it stays inside the folder that holds it
or leads where anyone may read: otherwise a learner's `exercise2.py -> /root/answers/exercise2.py`
(or a linked folder) would have the grader read, run and show a file the learner could not read.
As an ordinary user the learner is that user, and may read whatever the grader may. The file must
be a regular file of a sane size. Standard library only.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from grader.isolation.protocol import SAFE_OPEN

MAX_SOURCE = 8 * 2**20  # bytes: no forward needs more


class SubmissionError(ValueError):
    """A submission the grader will not read; the message says why, in plain words."""


def real_path(path: Path) -> Path:
    """Where `path` leads, following only the links a learner may follow (see the module docstring)."""
    path = Path(os.path.abspath(path))
    if os.name != "posix" or os.geteuid() != 0:
        return Path(os.path.realpath(path))
    here = Path("/")
    for part in path.parts[1:]:
        step = here / part
        if step.is_symlink():
            target = Path(os.path.realpath(step))
            if not (target.is_relative_to(here) or _anyone_may_read(target)):
                raise SubmissionError(f"{path}: {step} is a link to {target}, where the learner may not read: "
                                      "the grader does not follow it (give the file's own path)")
            step = target
        here = step
    return here


def _anyone_may_read(path: Path) -> bool:
    """Whether a process of any uid, with no groups, could read `path` (every folder on the way passable)."""
    try:
        mode = os.stat(path).st_mode
        folders = [p for p in path.parents if p != path]
        return bool(mode & 0o004) and all(os.stat(p).st_mode & 0o001 for p in folders)
    except OSError:
        return False


def read_submission(path: Path) -> tuple[Path, bytes]:
    """(where it really is, its bytes); SubmissionError when it is not a regular file the learner could read."""
    real = real_path(path)
    try:
        fd = os.open(real, os.O_RDONLY | SAFE_OPEN)
    except OSError as err:
        raise SubmissionError(f"{path}: cannot be read ({err.strerror})") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionError(f"{path}: not a regular file")
        if info.st_size > MAX_SOURCE:
            raise SubmissionError(f"{path}: larger than {MAX_SOURCE // 2**20} MB; a submission is a Python source file")
        return real, file.read(MAX_SOURCE + 1)[:MAX_SOURCE]
