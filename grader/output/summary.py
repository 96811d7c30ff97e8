"""`--format summary`: a class's batch at a glance, for the instructor. The pass rate and mean
score, the checks that fail most and the named mistakes most made (each with its count and example
files: "31 of 200: your output is softmax(logits)..."), and the groups of identical submissions,
each graded once. A pure function of the reports, like every format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from grader.output.formats import Points, score
from grader.report import Report

EXAMPLES = 3  # files named for each line
TOP = 10  # lines of each list


def to_summary(reports: list[Report], points: Points) -> str:
    total = len(reports)
    passed = sum(r.status == "pass" for r in reports)
    not_started = sum(r.status == "not-started" for r in reports)
    got = sum(score(r, points)[0] for r in reports)
    best = sum(score(r, points)[1] for r in reports)
    lines = [f"{reports[0].exercise}: {passed} of {total} submissions pass ({_percent(passed, total)})"
             + (f", {not_started} not started" if not_started else "")
             + (f"; mean score {got / total:.3g}/{best / total:.3g}" if best else "")]
    copies = sum(r.same_as is not None for r in reports)
    if copies:
        lines.append(f"{total - copies} graded: {copies} {'was' if copies == 1 else 'were'} the same code as another "
                     "submission")
    lines += _ranked("failing checks", reports, lambda r: {f"{c.id} ({c.category})" for c in r.failed})
    lines += _ranked("named mistakes", reports, lambda r: {m for c in r.failed if (m := c.mistake)})
    groups: dict[str, list[str]] = {}
    for r in reports:
        if r.same_as is not None:
            groups.setdefault(r.same_as, [r.same_as]).append(r.file)
    if groups:
        status = {r.file: r.status for r in reports}
        lines += ["", "identical submissions (graded once per group):"]
        lines += [f"  {len(files)} files, {status[graded].upper()}: {', '.join(files)}"
                  for graded, files in sorted(groups.items(), key=lambda g: -len(g[1]))]
    return "\n".join(lines)


def _ranked(title: str, reports: list[Report], found: Callable[[Report], set[str]]) -> list[str]:
    """'most common TITLE:' and one line per thing found, most frequent first, with example files."""
    files: dict[str, list[str]] = {}
    for r in reports:
        for thing in sorted(found(r)):
            files.setdefault(thing, []).append(r.file)
    if not files:
        return []
    counts = Counter({thing: len(names) for thing, names in files.items()})
    width = len(str(len(reports)))
    lines = ["", f"most common {title}:"]
    for thing, count in counts.most_common(TOP):
        more = f", +{count - EXAMPLES} more" if count > EXAMPLES else ""
        lines += [f"  {count:>{width}} of {len(reports)}: {thing}",
                  f"      e.g. {', '.join(files[thing][:EXAMPLES])}{more}"]
    if len(counts) > TOP:
        lines.append(f"  ... and {len(counts) - TOP} more")
    return lines


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"
