"""The learner's workspace: a folder with `exercises/ID.py` stubs, found from the current directory.

`FORWARDLAB_WORKSPACE` names it explicitly; otherwise the nearest folder (from the current one
upwards) that holds `exercises/` is used, else the current folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from grader.errors import UsageError

WORKSPACE_ENV = "FORWARDLAB_WORKSPACE"


def workspace_root() -> Path:
    if os.environ.get(WORKSPACE_ENV):
        return Path(os.environ[WORKSPACE_ENV]).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "exercises").is_dir() and any((folder / "exercises").glob("*.py")):
            return folder
    return here


def default_file(exercise_id: str, relative: bool = False) -> Path:
    """`exercises/<exercise_id>.py` in the workspace (relative to it when asked, for messages)."""
    rel = Path("exercises") / f"{exercise_id}.py"
    return rel if relative else workspace_root() / rel


def stub_sources() -> dict[str, str]:
    """Every exercise's stub (each pack's `exercises/ID.py`): file name -> source. A pack exercise
    without its stub is left out (`grader list` and `grader pack test` report it)."""
    from grader.course.registry import spec_files

    stubs = {ex: spec.parent.parent / "exercises" / f"{ex}.py" for ex, spec in spec_files().items()}
    return {f"{ex}.py": stub.read_text(encoding="utf-8") for ex, stub in stubs.items() if stub.is_file()}


def init_workspace(directory: str | Path = ".") -> list[Path]:
    """Create `directory/exercises/` with every stub; never overwrite a learner's file. Returns the files written."""
    target = Path(directory) / "exercises"
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a folder")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, source in sorted(stub_sources().items()):
        path = target / name
        if not path.exists():
            path.write_text(source)
            written.append(path)
    return written

