"""Machine-readable report formats: json (the contract's) and the formats CI systems and LMSs read.

Every renderer is a pure function of the reports and the exercise's points (check id or category
-> points, from the exercise YAML; a check named by neither is worth 1, a skipped check scores 0).
All reports of one run belong to one exercise. One submission gives one document; a batch gives:
- json, gradescope, exercism: a JSON list with one document per submission, in file order
  (each gradescope document names its file in `extra_data.file`);
- junit: one <testsuites> with one <testsuite> per submission (a single submission too);
- csv: a header and one row per submission (a single submission too): a gradebook.
A batch grades identical submissions once (grader.sources.same): every file still gets its own
document or row, and a copy names the file that ran (json `same_as`, a junit property, gradescope
`extra_data.same_as`, the csv column `same_as`; Exercism's interface has no place for it).
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Protocol

from grader.course import registry
from grader.report import CheckResult, Report

Points = Mapping[str, float]
EXERCISM_OUTPUT_MAX = 500  # the test-runner interface caps per-test output at 500 characters
SUMMARY_OUTPUT_MAX = 2000  # the learner's own output kept in a Gradescope summary
# No failing check could run at all: Exercism calls this an error (its "compile error"), not a fail.
LOAD_ERRORS = ("load/import", "load/class", "load/construct", "load/state-dict")
# Characters XML 1.0 cannot carry, and lone surrogates no file can (a learner's output or exception
# message may hold any of them: one must never stop a class's report from being written).
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Scored(Protocol):
    """A check or its result: what points are keyed by."""

    @property
    def id(self) -> str: ...

    @property
    def category(self) -> str: ...


def check_points(check: Scored, points: Points) -> float:
    """What the check is worth: by check id first, then by category, else 1."""
    return float(points.get(check.id, points.get(check.category, 1.0)))


def check_score(check: CheckResult, points: Points) -> float:
    return check_points(check, points) if check.status == "pass" else 0.0


def score(report: Report, points: Points) -> tuple[float, float]:
    """(score, max_score) of one report."""
    return (sum(check_score(c, points) for c in report.checks),
            sum(check_points(c, points) for c in report.checks))


def exercise_points(exercise_id: str) -> dict[str, float]:
    """The exercise's points table from its YAML; {} (1 point per check) when it has none."""
    from grader.course.content import load_exercise_meta

    try:
        return dict(load_exercise_meta(exercise_id).points)
    except KeyError:
        return {}


def _number(value: float) -> float | int:
    """22.0 -> 22, 2.5 -> 2.5: scores read as people write them."""
    return int(value) if float(value).is_integer() else round(value, 4)


def _first_line(check: CheckResult) -> str:
    return check.message.splitlines()[0] if check.message else ""


def _detail(check: CheckResult) -> str:
    return check.message + (f"\nhint: {check.hint}" if check.hint else "")


def _headline(report: Report, points: Points) -> str:
    got, best = score(report, points)
    return (f"{report.exercise}: {report.status.upper()}, {report.passed}/{len(report.checks)} checks passed, "
            f"score {_number(got)}/{_number(best)} ({report.file})")


# --- json ------------------------------------------------------------------------------------

def to_json(reports: list[Report], many: bool, points: Points) -> str:
    data = [r.to_dict() for r in reports]
    return json.dumps(data if many else data[0], indent=2)


# --- JUnit XML -------------------------------------------------------------------------------

def to_junit(reports: list[Report], many: bool, points: Points) -> str:
    """One <testsuite> per submission (named after its file), one <testcase> per check."""
    root = ET.Element("testsuites", name="forwardlab")
    for report in reports:
        root.append(_suite(report))
    _count(root, [suite.attrib for suite in root])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _suite(report: Report) -> ET.Element:
    suite = ET.Element("testsuite", name=_xml(report.file), time=f"{report.duration_s:.3f}")
    props = ET.SubElement(suite, "properties")
    for name, value in (("exercise", report.exercise), ("status", report.status), ("device", report.device),
                        ("same_as", report.same_as)):
        if value is not None:
            ET.SubElement(props, "property", name=name, value=_xml(value))
    for check in report.checks:
        case = ET.SubElement(suite, "testcase", classname=report.exercise, name=check.id)
        if check.status == "fail":
            failure = ET.SubElement(case, "failure", message=_xml(_first_line(check)), type=check.category)
            failure.text = _xml(_detail(check))
        elif check.status == "skip":
            ET.SubElement(case, "skipped", message=_xml(check.message))
    if report.output:
        ET.SubElement(suite, "system-out").text = _xml(report.output)
    _count(suite, [{"tests": 1, "failures": c.status == "fail", "skipped": c.status == "skip"} for c in report.checks])
    return suite


def _count(element: ET.Element, parts: list[Mapping]) -> None:
    for key in ("tests", "failures", "errors", "skipped"):
        element.set(key, str(sum(int(p.get(key, 0)) for p in parts)))
    if element.tag == "testsuites":
        element.set("time", f"{sum(float(p['time']) for p in parts):.3f}")


def _xml(text: str) -> str:
    return UNWRITABLE.sub("\ufffd", text)


# --- Gradescope ------------------------------------------------------------------------------

def gradescope_result(report: Report, points: Points) -> dict:
    """One submission as a Gradescope results.json object (autograder specification)."""
    got, best = score(report, points)
    number = registry.number(report.exercise)  # a pack's own exercise: its checks are numbered 1, 2, ...
    tests = [{"name": f"{report.exercise} {c.id}", "number": f"{i}" if number is None else f"{number}.{i}",
              "score": _number(check_score(c, points)),
              "max_score": _number(check_points(c, points)), "status": "passed" if c.status == "pass" else "failed",
              "output": _detail(c), "tags": [c.category], "visibility": "visible"}
             for i, c in enumerate(report.checks, 1)]
    output = _headline(report, points)
    if report.first_failure:
        output += f"\nfirst failure: {report.first_failure.id}: {report.first_failure.message}"
    if report.output.strip():
        output += "\n\nyour code printed:\n" + report.output[-SUMMARY_OUTPUT_MAX:]
    return {"score": _number(got), "execution_time": round(report.duration_s, 3), "output": output,
            "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"exercise": report.exercise, "file": report.file, "status": report.status,
                           "max_score": _number(best), **({"same_as": report.same_as} if report.same_as else {})}}


def to_gradescope(reports: list[Report], many: bool, points: Points) -> str:
    data = [gradescope_result(r, points) for r in reports]
    return json.dumps(data if many else data[0], indent=2)


# --- Exercism --------------------------------------------------------------------------------

def exercism_result(report: Report) -> dict:
    """One submission per Exercism's test-runner interface, version 3."""
    first = report.first_failure
    if first is not None and first.id in LOAD_ERRORS and report.status == "fail":
        return {"version": 3, "status": "error", "message": _detail(first), "tests": []}
    owner = first or (report.checks[0] if report.checks else None)  # which test carries the learner's output
    tests = []
    for check in report.checks:
        test = {"name": check.id, "status": {"pass": "pass", "fail": "fail", "skip": "error"}[check.status],
                "message": None if check.status == "pass" else _detail(check)}
        if check is owner and report.output.strip():
            test["output"] = _truncate(report.output, EXERCISM_OUTPUT_MAX)
        tests.append(test)
    return {"version": 3, "status": "pass" if report.status == "pass" else "fail", "message": None, "tests": tests}


def _truncate(text: str, limit: int) -> str:
    note = "\n[output was truncated: please limit it to 500 characters]"
    return text if len(text) <= limit else text[:limit - len(note)] + note


def to_exercism(reports: list[Report], many: bool, points: Points) -> str:
    data = [exercism_result(r) for r in reports]
    return json.dumps(data if many else data[0], indent=2)


# --- CSV gradebook ---------------------------------------------------------------------------

CSV_COLUMNS = ("file", "exercise", "status", "score", "max_score", "passed", "checks", "failed_checks",
               "first_failure", "duration_s", "same_as")


def to_csv(reports: list[Report], many: bool, points: Points) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in reports:
        got, best = score(r, points)
        first = r.first_failure
        writer.writerow([_cell(r.file), r.exercise, r.status, _number(got), _number(best), r.passed, len(r.checks),
                         " ".join(c.id for c in r.failed),
                         _cell(f"{first.id}: {_first_line(first)}" if first else ""),
                         f"{r.duration_s:.3f}", _cell(r.same_as or "")])
    return buffer.getvalue().rstrip("\n")


def _cell(text: str) -> str:
    text = UNWRITABLE.sub("\ufffd", text)
    return "'" + text if text.startswith(FORMULA_START) else text


RENDERERS: dict[str, Callable[[list[Report], bool, Points], str]] = {
    "json": to_json, "junit": to_junit, "gradescope": to_gradescope, "exercism": to_exercism, "csv": to_csv,
}


def render(reports: list[Report], fmt: str, many: bool, points: Points | None = None) -> str:
    return RENDERERS[fmt](reports, many, points or {})
