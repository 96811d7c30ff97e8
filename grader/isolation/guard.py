"""Keeping what computes the answers out of the learner's reach, at run time in the child.

The child needs only grader.isolation and torch. What computes answers (the
grader's judging side, every content pack's specs and solutions) must stay out of reach, and not only by
the import-linter contract, which binds the grader's code, not the learner's:

- `hide(folders)`, as root before the uid switch: a mount namespace of the child's own, with an empty,
  read-only tmpfs over each folder. Nothing the learner's code runs, in Python or not (a subprocess,
  ctypes), can read them; the mounts are locked against a user namespace of its own. Where it cannot
  (not root, no CAP_SYS_ADMIN) it does nothing and says so.
- `seal(folders)`, always, just before the learner's file runs: the forbidden modules leave
  sys.modules, a meta path finder refuses them, and an audit hook (which no Python code can remove)
  refuses to import them by any route (importlib included) and to open any file under the folders
  (reading a spec by path to exec it, torch.load or numpy on it, listing them). Where the mounts
  already hide the folders from a uid that cannot undo them, the child seals with no folders: every
  file opened then costs no path resolution.

Without root a learner can always read what their own user can read: that is their own machine. The
zygote imports none of the forbidden modules, so there is nothing to find in memory either (gc).
Imports only the standard library.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder

# the grader's modules the child may hold: grader.isolation (which computes no answer), nothing that judges
ALLOWED_PACKAGE = "grader.isolation"
# the built-in pack as a package, and the names grader.course.registry imports specs under
FORBIDDEN_PREFIXES = ("forwardlab_content", "forwardlab_spec_")

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 0x4000, 0x40000
WATCHED_EVENTS = ("open", "os.listdir", "os.scandir", "glob.glob", "shutil.copyfile", "shutil.copytree")


def forbidden(module: str) -> bool:
    """Whether the child must not import `module`."""
    if module.startswith(FORBIDDEN_PREFIXES):
        return True
    inside = module == ALLOWED_PACKAGE or module.startswith(ALLOWED_PACKAGE + ".")
    return module.startswith("grader.") and not inside


def hide(folders: Sequence[str]) -> bool:
    """Mount an empty read-only tmpfs over each folder, in a mount namespace of this process's own
    (root only). True when every folder is hidden."""
    if os.geteuid() != 0 or not folders:
        return not folders
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        return False
    # private first: otherwise the mounts below could propagate back to the grader's own namespace
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return False
    hidden = 0
    for folder in folders:
        if os.path.isdir(folder):
            hidden += libc.mount(b"forwardlab-hidden", os.fsencode(folder), b"tmpfs",
                                 MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, b"size=4k,mode=0") == 0
    return hidden == sum(os.path.isdir(f) for f in folders)


class Refuse(MetaPathFinder):
    """A meta path finder that refuses every forbidden module (the audit hook also catches importlib)."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if forbidden(fullname):
            raise ImportError(f"{fullname} is not available to your code: the grader's answers stay out of "
                              "reach", name=fullname)


def seal(folders: Sequence[str]) -> None:
    """From now on in this process, no forbidden module and no file under `folders` can be reached."""
    roots = tuple(os.path.join(os.path.realpath(f), "") for f in folders)
    for name in [n for n in sys.modules if forbidden(n)]:
        del sys.modules[name]
    sys.meta_path.insert(0, Refuse())

    def audit(event: str, args: tuple) -> None:
        if event == "import" and args and isinstance(args[0], str) and forbidden(args[0]):
            raise ImportError(f"{args[0]} is not available to your code: the grader's answers stay out of reach",
                              name=args[0])
        if event in WATCHED_EVENTS and args and _under(args[0], roots):
            raise PermissionError(f"{args[0]!s} is out of reach of your code: it holds the grader's answers")

    sys.addaudithook(audit)


def _under(path: object, roots: tuple[str, ...]) -> bool:
    """Whether `path` (a str, bytes or path-like; a descriptor is not) lies in one of the `roots`."""
    if not roots or isinstance(path, int) or path is None:
        return False
    if not isinstance(path, (str, bytes, os.PathLike)):
        return False
    text = os.fsdecode(os.fspath(path))
    real = os.path.join(os.path.realpath(text), "")
    return real.startswith(roots)
