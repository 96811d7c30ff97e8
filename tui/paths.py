"""Paths as the learner wants to read them: relative to where they started the app, else with ~."""

from __future__ import annotations

from pathlib import Path


def short_path(path: str | Path) -> str:
    path = Path(path)
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        try:
            return prefix + str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)
