"""Report formats for CI systems and LMSs, each validated against what its consumer expects:
JUnit XML read by junitparser, Gradescope's results.json fields, Exercism's test-runner interface v3,
and a CSV gradebook. Pure functions of the reports: no grading happens here."""

from __future__ import annotations

import csv
import io
import json

import pytest
from junitparser import Failure, JUnitXml, Skipped

from grader.output.formats import check_points, render, score
from grader.report import CheckResult, Report

POINTS = {"values": 3, "batch/per-sample": 2.5}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def _report(file: str, statuses: list[str], status: str, output: str = "", first_id: str = "load/import") -> Report:
    ids = [first_id, "shape/output", "values/reference", "batch/per-sample", "time/limits"]
    categories = [first_id.split("/")[0], "shape", "values", "batch", "time"]
    checks = [CheckResult(i, c, s, f"{i}: message with <xml> & \"quotes\"\nsecond line" if s != "pass" else "ok",
                          "a hint" if s == "fail" else "")
              for i, c, s in zip(ids, categories, statuses, strict=False)]
    return Report("exercise2", file, status, "cpu", 0.25, checks, output)


PASSING = _report("alice/exercise2.py", ["pass"] * 5, "pass")
FAILING = _report("bob/exercise2.py", ["pass", "pass", "fail", "skip", "pass"], "fail",
                  output="debug \x1b[31mred\x1b[0m \x00 nul\n" + "x" * 600)
BROKEN = _report("=carol/exercise2.py", ["fail", "skip", "skip", "skip", "pass"], "fail")
NOT_STARTED = _report("dan/exercise2.py", ["fail", "skip", "skip", "skip", "pass"], "not-started",
                      first_id="load/started")
BATCH = [PASSING, FAILING, BROKEN, NOT_STARTED]


def test_points_by_check_id_then_category_then_one() -> None:
    values, per_sample, shape = FAILING.checks[2], FAILING.checks[3], FAILING.checks[1]
    assert (check_points(values, POINTS), check_points(per_sample, POINTS), check_points(shape, POINTS)) == (3, 2.5, 1)
    assert score(PASSING, POINTS) == (8.5, 8.5)
    assert score(FAILING, POINTS) == (3, 8.5)  # a failed check and a skipped one both score 0
    assert score(PASSING, {}) == (5, 5)


def test_junit_parses_with_junitparser_and_counts_match() -> None:
    xml = JUnitXml.fromstring(render(BATCH, "junit", many=True, points=POINTS).encode())
    suites = list(xml)
    assert [s.name for s in suites] == [r.file for r in BATCH]
    for suite, report in zip(suites, BATCH, strict=False):
        cases = list(suite)
        assert [c.name for c in cases] == [c.id for c in report.checks]
        assert {c.classname for c in cases} == {"exercise2"}
        failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
        skipped = [c for c in cases if any(isinstance(r, Skipped) for r in c.result)]
        assert [c.name for c in failed] == [c.id for c in report.checks if c.status == "fail"]
        assert [c.name for c in skipped] == [c.id for c in report.checks if c.status == "skip"]
        assert (suite.tests, suite.failures, suite.skipped, suite.errors) == (len(cases), len(failed), len(skipped), 0)
        assert suite.time == pytest.approx(0.25)
    failure = next(r for c in suites[1] for r in c.result if isinstance(r, Failure))
    assert failure.message == "values/reference: message with <xml> & \"quotes\"" and failure.type == "values"
    assert "hint: a hint" in failure.text
    assert xml.tests == sum(len(r.checks) for r in BATCH)


def test_junit_of_one_submission_is_one_suite() -> None:
    xml = JUnitXml.fromstring(render([FAILING], "junit", many=False).encode())
    assert len(list(xml)) == 1 and xml.failures == 1 and xml.skipped == 1


@pytest.mark.parametrize("report", BATCH, ids=lambda r: r.file)
def test_gradescope_has_every_field_and_scores_sum(report: Report) -> None:
    data = json.loads(render([report], "gradescope", many=False, points=POINTS))
    assert isinstance(data["score"], (int, float)) and isinstance(data["execution_time"], (int, float))
    assert isinstance(data["output"], str) and data["stdout_visibility"] in VISIBILITY
    assert len(data["tests"]) == len(report.checks)
    for test, check in zip(data["tests"], report.checks, strict=False):
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] == ("passed" if check.status == "pass" else "failed")
        assert test["score"] == (test["max_score"] if check.status == "pass" else 0)
        assert test["visibility"] in VISIBILITY and check.id in test["name"]
    assert data["score"] == sum(t["score"] for t in data["tests"]) == score(report, POINTS)[0]
    assert data["extra_data"]["max_score"] == sum(t["max_score"] for t in data["tests"]) == 8.5
    json.dumps(data, allow_nan=False)  # strict JSON: no NaN or Infinity anywhere


def test_gradescope_batch_is_a_list_in_file_order() -> None:
    data = json.loads(render(BATCH, "gradescope", many=True, points=POINTS))
    assert [d["extra_data"]["file"] for d in data] == [r.file for r in BATCH]


def test_exercism_v3() -> None:
    data = json.loads(render(BATCH, "exercism", many=True))
    for result, _report in zip(data, BATCH, strict=False):
        assert result["version"] == 3 and result["status"] in {"pass", "fail", "error"}
        assert isinstance(result["tests"], list)
        for test in result["tests"]:
            assert isinstance(test["name"], str) and test["status"] in {"pass", "fail", "error"}
            assert test["message"] is None or isinstance(test["message"], str)
            assert len(test.get("output", "")) <= 500
    passing, failing, broken, not_started = data
    assert passing["status"] == "pass" and passing["message"] is None
    assert all(t["status"] == "pass" and t["message"] is None for t in passing["tests"])
    assert failing["status"] == "fail"
    assert [t["status"] for t in failing["tests"]] == ["pass", "pass", "fail", "error", "pass"]
    assert "output was truncated" in failing["tests"][2]["output"]  # the learner's output goes with the first failure
    assert broken["status"] == "error" and "message with <xml>" in broken["message"]  # nothing could run: an error
    assert not_started["status"] == "fail" and not_started["tests"][0]["status"] == "fail"


def test_csv_gradebook_rows() -> None:
    rows = list(csv.DictReader(io.StringIO(render(BATCH, "csv", many=True, points=POINTS))))
    assert [r["file"] for r in rows] == ["alice/exercise2.py", "bob/exercise2.py", "'=carol/exercise2.py",
                                         "dan/exercise2.py"]  # a cell a spreadsheet would run is quoted
    assert [r["status"] for r in rows] == ["pass", "fail", "fail", "not-started"]
    assert [(r["score"], r["max_score"]) for r in rows] == [("8.5", "8.5"), ("3", "8.5"), ("1", "8.5"), ("1", "8.5")]
    assert rows[1]["failed_checks"] == "values/reference" and rows[1]["first_failure"].startswith("values/reference: ")
    assert rows[0]["failed_checks"] == rows[0]["first_failure"] == ""
    assert (rows[1]["passed"], rows[1]["checks"], rows[1]["exercise"]) == ("3", "5", "exercise2")


def test_json_is_the_contract() -> None:
    assert json.loads(render([PASSING], "json", many=False)) == PASSING.to_dict()
    assert json.loads(render(BATCH, "json", many=True)) == [r.to_dict() for r in BATCH]


@pytest.mark.parametrize("fmt", ["junit", "csv", "gradescope", "exercism", "json"])
def test_any_learner_text_can_be_written(fmt: str) -> None:
    """A learner's exception message can hold NULs or lone surrogates: the report is still written."""
    hostile = _report("eve/exercise2.py", ["pass", "fail", "skip", "skip", "pass"], "fail", output="\x00\ud800")
    hostile.checks[1].message = "raised ValueError: \ud83d\x00\x1b[2J=cmd"
    text = render([hostile, PASSING], fmt, many=True)
    text.encode("utf-8")  # what writing it to a file or a pipe does
    if fmt == "junit":
        assert JUnitXml.fromstring(text.encode()).failures == 1


def test_the_text_report_shows_a_learners_controls_as_text_and_never_crashes() -> None:
    """Terminal controls (a fake green PASS), bidirectional overrides and lone surrogates in anything a
    learner shapes (output, messages, file names) reach the terminal as visible text."""
    from rich.console import Console

    from grader.output.text import print_report

    paint = "\x1b[2J\x1b[32m✓ PASS\x1b[0m\r\u202e\ud800\x9b"
    report = Report("exercise2", f"eve/{paint}.py", "fail", checks=[
        CheckResult("load/import", "load", "fail", f"raised ValueError: {paint}", hint=paint)], output=paint)
    out = io.StringIO()
    print_report(report, "Digits", Console(file=out, width=200, force_terminal=True, color_system=None))
    text = out.getvalue()
    text.encode("utf-8")
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text and "\x9b" not in text
    assert text.count("\\x1b[32m✓ PASS\\x1b[0m") >= 4 and "\\u202e" in text and "\ufffd" in text


def test_a_newline_in_a_file_name_cannot_start_a_line_of_the_report() -> None:
    """A file named 'a.py\\nexercise2 DigitClassifier  PASS ...' would print a fake header line of its own:
    in one-line fields (file, ids) a newline or tab is shown as text; messages keep their lines."""
    from rich.console import Console

    from grader.output.text import print_report

    fake = "exercise2 DigitClassifier  PASS  29/29 checks passed"
    report = Report("exercise2", f"a.py\n{fake}\tb.py", "fail", checks=[
        CheckResult("load/import", "load", "fail", "line one\nline two")])
    assert report.file == f"a.py\\x0a{fake}\\x09b.py"
    assert report.checks[0].message == "line one\nline two"
    out = io.StringIO()
    print_report(report, "Digits", Console(file=out, width=300, force_terminal=True, color_system=None))
    assert not [line for line in out.getvalue().splitlines() if line.startswith(fake)], out.getvalue()
    assert json.loads(render([report], "json", many=False))["file"] == report.file
