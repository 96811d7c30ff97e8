"""Machine-readable report formats: json (the contract's) and the formats CI systems and LMSs read."""

from __future__ import annotations

import json
from collections.abc import Callable

from grader.report import Report


def to_json(reports: list[Report], many: bool) -> str:
    data = [r.to_dict() for r in reports]
    return json.dumps(data if many else data[0], indent=2)


RENDERERS: dict[str, Callable[[list[Report], bool], str]] = {"json": to_json}


def render(reports: list[Report], fmt: str, many: bool) -> str:
    return RENDERERS[fmt](reports, many)
