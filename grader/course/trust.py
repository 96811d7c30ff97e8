"""Whether a course pack may be loaded by a grader running as root: nobody but root can change it.

A pack's specs run in the judging process (they build the references), so a pack a learner can
write is a way into that process. As root (CI, Gradescope), a pack is refused when the pack folder,
anything in it (the target of a link in it included), or any folder on the way to them is writable
by its group or by others, or is owned by a user other than root. A world-writable folder on the
way with the sticky bit (`/tmp`) is allowed: others cannot rename or remove what root owns in it.
"""

from __future__ import annotations

import stat
from pathlib import Path

ROOT_ONLY = frozenset({0})


def refusal(pack: Path, owners: frozenset[int] = ROOT_ONLY) -> str | None:
    """Why `pack` must not be loaded (one line naming the first unsafe path and the fix), or None."""
    real = Path(pack).resolve()
    why = _chain(real, owners)
    for path in sorted(real.rglob("*")) if why is None else ():
        why = _chain(path.resolve(), owners) if path.is_symlink() else _unsafe(path, owners, sticky_ok=False)
        if why:
            break
    return f"refusing to load the course pack {pack} as root: {why}" if why else None


def _chain(path: Path, owners: frozenset[int]) -> str | None:
    """The first unsafe folder from / down to `path`, or `path` itself."""
    for folder in reversed(path.parents):
        why = _unsafe(folder, owners, sticky_ok=True)
        if why:
            return why
    return _unsafe(path, owners, sticky_ok=False)


def _unsafe(path: Path, owners: frozenset[int], sticky_ok: bool) -> str | None:
    try:
        st = path.lstat()
    except OSError as err:
        return f"cannot inspect {path} ({err.strerror or err})"
    if st.st_uid not in owners:
        return f"{path} is owned by uid {st.st_uid}, not root, so that user could change it (chown root {path})"
    sticky_dir = stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX
    if st.st_mode & 0o022 and not (sticky_ok and sticky_dir):
        who = {0o022: "its group and others", 0o020: "its group", 0o002: "others"}[st.st_mode & 0o022]
        return f"{path} is writable by {who}, who could change what the grader runs (chmod go-w {path})"
    return None
