"""Lining up the learner's stages with the reference's, and finding where they first part.

Stages are what grader.isolation.stages records: each submodule call and each torch function the
model's own forward applies to the data, in the order they finish (plus the inputs and the output,
in a pipeline trace). A learner stage's counterpart is the reference stage of the same kind and
name (submodules under Exercise.name_map), else any reference stage holding the same values. The
values check and the pipeline trace both use `match_stages` and `first_divergence`, so that they
name the same place.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, NamedTuple

import torch

from grader.judging.compare import close, mismatch, structure

if TYPE_CHECKING:
    from grader.judging.spec import Exercise


class Match(NamedTuple):
    """How one learner stage relates to the reference: matches (None: no counterpart), the
    counterpart's index in the reference's stages, and how it differs (empty when it matches)."""

    matches: bool | None
    counterpart: int | None
    difference: str


SEARCH_BUDGET = 8  # comparisons per reference stage when matching stages (see match_stages)


def match_stages(ex: Exercise, learner: list[dict], reference: list[dict], rtol: float | None,
                 atol: float | None) -> list[Match]:
    """One Match per learner stage; a counterpart by value is looked for after the last one first."""
    by_name: dict[tuple[str, str], list[int]] = {}
    for j, stage in enumerate(reference):
        by_name.setdefault((stage["kind"], stage["name"]), []).append(j)
    calls: Counter = Counter()
    cursor, out = 0, list[Match]()
    # values are compared this many times in all when looking for counterparts: an honest forward finds
    # its counterparts in order, a comparison or two each; a forged list of stages cannot stall the judge
    looks = [SEARCH_BUDGET * max(1, len(reference))]
    for stage in learner:
        key = (stage["kind"], stage["name"] if stage["kind"] != "module" else ex.to_reference_name(stage["name"]))
        candidates = by_name.get(key, []) if stage["kind"] != "function" else []
        named = candidates[calls[key]] if calls[key] < len(candidates) else None
        calls[key] += 1
        if named is not None:
            how = difference(stage["output"], reference[named]["output"], rtol, atol)
            out.append(Match(how is None, named, how or ""))
        else:
            alike = same_values(stage["output"], reference, cursor, rtol, atol, looks)
            out.append(Match(True, alike, "") if alike is not None else Match(None, None, ""))
        if out[-1].matches and out[-1].counterpart is not None:
            cursor = out[-1].counterpart + 1
    return out


def difference(actual: Any, expected: Any, rtol: float | None, atol: float | None) -> str | None:
    """None when `actual` matches `expected`; else how it differs, in a line: shape, dtype, or how many
    values and by how much."""
    if close(actual, expected, rtol, atol):
        return None
    if not (isinstance(actual, torch.Tensor) and isinstance(expected, torch.Tensor)):
        return _one_line(mismatch(actual, expected, rtol, atol) or "differs")
    if actual.shape != expected.shape:
        return f"shape {structure(actual, compact=True)} where the reference has {structure(expected, compact=True)}"
    if actual.dtype != expected.dtype:
        return f"dtype {actual.dtype} where the reference has {expected.dtype}"
    from torch.testing._comparison import default_tolerances

    r, t = (rtol, atol) if rtol is not None and atol is not None else default_tolerances(actual, expected)
    gap = (actual.double() - expected.double()).abs().nan_to_num(nan=float("inf"))
    wrong = int((~torch.isclose(actual, expected, rtol=r, atol=t, equal_nan=True)).sum())
    return f"{wrong} of {actual.numel()} values differ, by up to {float(gap.max()):.3g}"


def same_values(output: Any, reference: list[dict], cursor: int, rtol: float | None, atol: float | None,
                looks: list[int] | None = None) -> int | None:
    """The reference stage holding the same values, searched from `cursor` on, then before it; each
    comparison of values spends one of `looks` (none left: no counterpart)."""
    shape = structure(output)
    for j in [*range(cursor, len(reference)), *range(cursor)]:
        if structure(reference[j]["output"]) != shape:
            continue
        if looks is not None:
            if looks[0] <= 0:
                return None
            looks[0] -= 1
        if close(output, reference[j]["output"], rtol, atol):
            return j
    return None


def first_divergence(ex: Exercise, learner: list[dict], reference: list[dict], matches: list[Match],
                     rtol: float | None, atol: float | None, error: str | None = None) -> dict | None:
    """Where the learner's data first departs from the reference's, and what lies between:
    {"index" (1-based learner stage; one past the last when forward raised first), "name", "message"},
    or None when nothing differs and nothing raised. `error` is forward's error, as text."""
    first = next((i for i, m in enumerate(matches) if m.matches is False), None)
    if first is None and error is None:
        return None
    before = range(first if first is not None else len(learner))
    last_good = next((i for i in reversed(before) if matches[i].matches), None)
    after = f"after `{learner[last_good]['name']}` matched, " if last_good is not None else ""
    if first is None:  # it raised before anything differed: the error is the stage after the last one
        return {"index": len(learner) + 1, "name": "(error)", "message": f"{after}your forward raised {error}"}
    name = learner[first]["name"]
    text = f"{after}`{name}` is the first stage that differs from the reference: {matches[first].difference}"
    extra = [i for i in before if matches[i].matches is None and (last_good is None or i > last_good)]
    if extra:
        names = ", ".join(f"`{learner[i]['name']}`" for i in extra)
        text += (f". Between them, {names} ha{'s' if len(extra) == 1 else 've'} no counterpart in the reference: "
                 "look there first")
    else:
        since = matches[last_good].counterpart if last_good is not None else -1
        matched = {m.counterpart for m in matches if m.matches}
        skipped = _skipped(reference, since if since is not None else -1, matches[first].counterpart, matched,
                           rtol, atol)
        if skipped:
            where = (f"between `{learner[last_good]['name']}` and `{name}`" if last_good is not None
                     else f"before `{name}`")
            text += (f". The reference applies {' then '.join(skipped)} {where}, and nothing in your forward "
                     "matches it: a missing step?")
    return {"index": first + 1, "name": name, "message": text}


def _skipped(reference: list[dict], since: int, until: int | None, matched: set, rtol: float | None,
             atol: float | None) -> list[str]:
    """What the reference does strictly between two counterparts that no learner stage matched ('a ReLU',
    '`F.relu`'), leaving out the stages that change nothing (Dropout in eval mode, Identity)."""
    names = []
    for j in range(since + 1, until if until is not None else since + 1):
        stage = reference[j]
        unchanged = j > 0 and same_values(stage["output"], reference[j - 1:j], 0, rtol, atol) is not None
        if j not in matched and not unchanged and stage["kind"] in ("module", "function"):
            names.append(f"a {stage['op']}" if stage["kind"] == "module" else f"`{stage['name']}`")
    return names


def _one_line(why: str) -> str:
    return "; ".join(line.strip() for line in why.splitlines() if line.strip())[:300]
