"""The `grader` command line, driven as a learner's shell would: every command and exit code of the
contract (curriculum.md section 1). Each call is a subprocess with its own data dir and workspace;
the prepared references are shared through one cache dir, so only the first check pays for them.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SUBMISSIONS

CORRECT = SUBMISSIONS / "exercise2" / "correct_modules.py"
WRONG = SUBMISSIONS / "exercise2" / "wrong_no_relu.py"
SYNTAX_ERROR = SUBMISSIONS / "exercise2" / "wrong_syntax_error.py"
CATEGORIES = {"load", "api", "shape", "values", "batch", "grad", "purity", "hooks", "mode", "device", "dtype",
              "export", "time"}
REPORT_KEYS = {"exercise", "file", "status", "device", "duration_s", "checks"}
CHECK_KEYS = {"id", "category", "status", "message", "hint"}
EXERCISE_COUNT = len(list((ROOT / "content" / "specs").glob("exercise*.py")))


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def grader(tmp_path: Path, cache_dir: Path):
    """grader(*args, cwd=None) -> CompletedProcess, with this test's own data dir and workspace."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("FORWARDLAB_WORKSPACE", "FORWARDLAB_NO_CACHE")}
    env.update(FORWARDLAB_DATA_DIR=str(tmp_path / "data"), FORWARDLAB_CACHE_DIR=str(cache_dir), COLUMNS="200")

    def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd or workspace, env=env,
                              capture_output=True, text=True, timeout=300)
    run.workspace = workspace
    run.data_dir = tmp_path / "data"
    return run


def statuses(listing: str) -> dict[str, str]:
    return {item["id"]: item["status"] for item in json.loads(listing)}


def assert_report(report: dict, exercise: str) -> None:
    """Exactly the contract's JSON object."""
    assert set(report) == REPORT_KEYS
    assert report["exercise"] == exercise and report["device"] == "cpu"
    assert report["status"] in ("pass", "fail", "not-started")
    assert isinstance(report["duration_s"], float) and report["duration_s"] >= 0
    assert report["checks"]
    for check in report["checks"]:
        blocked = check.get("blocked_by")
        assert set(check) == CHECK_KEYS | ({"blocked_by"} if blocked else set())
        if blocked:  # a check skipped because one it depends on did not pass names that one
            assert check["status"] == "skip" and blocked in {c["id"] for c in report["checks"]}
        assert check["category"] in CATEGORIES and check["status"] in ("pass", "fail", "skip")
        assert check["message"], check
        assert bool(check["hint"]) == (check["status"] == "fail"), check


# --- list --------------------------------------------------------------------------------

def test_list_shows_every_exercise(grader) -> None:
    listing = grader("list", "--json")
    assert listing.returncode == 0, listing.stderr
    items = json.loads(listing.stdout)
    assert [i["id"] for i in items] == [f"exercise{n}" for n in range(1, EXERCISE_COUNT + 1)]
    assert all(set(i) == {"id", "title", "status"} and i["title"] and i["status"] == "new" for i in items)
    table = grader("list")
    assert table.returncode == 0 and "exercise1" in table.stdout and "ManualLinear" in table.stdout


# --- check -------------------------------------------------------------------------------

def test_check_passes_a_correct_file_and_records_it(grader) -> None:
    result = grader("check", "2", CORRECT, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert_report(report, "exercise2")
    assert report["status"] == "pass" and report["file"] == str(CORRECT)
    assert all(c["status"] == "pass" for c in report["checks"])

    from grader.course.progress import ProgressStore

    store = ProgressStore(grader.data_dir / "progress.sqlite3")
    assert store.latest_check("exercise2")["status"] == "pass"
    assert statuses(grader("list", "--json").stdout)["exercise2"] == "passed"


def test_check_several_files_prints_a_list_in_order(grader) -> None:
    # options may come before the files too; one worker is enough for two files
    result = grader("check", "exercise2", "--json", "--jobs", "1", CORRECT, WRONG)
    assert result.returncode == 1, result.stderr
    reports = json.loads(result.stdout)
    assert isinstance(reports, list) and [r["file"] for r in reports] == [str(CORRECT), str(WRONG)]
    for report in reports:
        assert_report(report, "exercise2")
    assert [r["status"] for r in reports] == ["pass", "fail"]
    first = next(c for c in reports[1]["checks"] if c["status"] == "fail")
    assert first["category"] == "values" and "without the ReLU" in first["message"]


def test_syntax_error_shows_the_line_and_a_caret(grader) -> None:
    result = grader("check", "2", SYNTAX_ERROR)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    caret = next(i for i, line in enumerate(lines) if re.fullmatch(r"\s*\^+\s*", line))
    assert "return self.fc2(self.relu(self.fc1(self.flatten(x)))" in lines[caret - 1]
    assert "line 15" in result.stdout and "SyntaxError" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_check_without_file_grades_the_workspace_stub(grader) -> None:
    init = grader("init", ".")
    assert init.returncode == 0, init.stderr
    result = grader("check", "exercise3", "--json", cwd=grader.workspace / "exercises")  # found from a subfolder too
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert_report(report, "exercise3")
    assert report["status"] == "not-started" and report["file"] == "exercises/exercise3.py"
    assert statuses(grader("list", "--json").stdout)["exercise3"] == "not-started"


# --- usage errors: exit 2, one line, no traceback --------------------------------------------

@pytest.mark.parametrize(("args", "says"), [
    (("check", "99", CORRECT), "valid: exercise1, exercise2"),
    (("check", "exercise2", "no_such_file.py"), "no such file: no_such_file.py"),
    (("check", "exercise2", str(Path(CORRECT).parent)), "is a folder: give the file in it to grade"),
    (("check", "2"), "grader init"),  # no workspace here: the default file is missing
    (("check", "2", CORRECT, "--format", "xml"), "invalid choice: 'xml'"),
    (("check", "2", CORRECT, "--device", "tpu"), "invalid choice: 'tpu'"),
    (("check", "2", CORRECT, "--jobs", "0"), "must be at least 1"),
    (("check", "2", CORRECT, "--no-such-option"), "unrecognized arguments"),
    (("hint", "banana"), "valid: exercise1"),
    (("frobnicate",), "invalid choice"),
], ids=["unknown-exercise", "missing-file", "folder", "no-workspace", "format", "device", "jobs", "option", "hint",
        "command"])
def test_usage_errors_exit_2_with_one_line(grader, args: tuple, says: str) -> None:
    result = grader(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert says in result.stderr


def test_device_cuda_without_cuda_is_a_usage_error(grader) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = grader("check", "2", CORRECT, "--device", "cuda")
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "no CUDA" in result.stderr and "valid: cpu" in result.stderr


# --- hint, init, content -------------------------------------------------------------------

def test_hint_reveals_one_more_per_call(grader) -> None:
    from grader.course.content import load_exercise_meta

    hints = load_exercise_meta("exercise2").hints
    for n in range(1, len(hints) + 2):
        result = grader("hint", "2")
        assert result.returncode == 0, result.stderr
        shown = min(n, len(hints))
        assert f"Hint {shown}/{len(hints)}: {hints[shown - 1]}" in result.stdout
        assert ("last hint" in result.stdout) == (shown == len(hints))


def test_init_creates_stubs_and_keeps_edited_files(grader, tmp_path: Path) -> None:
    target = tmp_path / "course"
    assert grader("init", target).returncode == 0
    stubs = sorted(p.name for p in (target / "exercises").glob("exercise*.py"))
    assert stubs == sorted(f"exercise{n}.py" for n in range(1, EXERCISE_COUNT + 1))
    shipped = ROOT / "content" / "exercises" / "exercise2.py"
    assert (target / "exercises" / "exercise2.py").read_text() == shipped.read_text()
    edited = target / "exercises" / "exercise1.py"
    edited.write_text(edited.read_text() + "\n# my work\n")
    again = grader("init", target)
    assert again.returncode == 0 and "existing files kept" in again.stdout
    assert edited.read_text().endswith("# my work\n")


def test_content_check_prints_the_summary(grader) -> None:
    result = grader("content", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.fullmatch(r"\d+ lessons, \d+ quizzes \(\d+ questions\), \d+ exercises\n", result.stdout)


def test_text_output_shows_code_without_markdown_backticks() -> None:
    from rich.console import Console

    from grader.output.text import report_view
    from grader.report import CheckResult, Report

    check = CheckResult("hooks/call", "hooks", "fail", "your forward calls `self.fc1.forward(x)`: it skips `__call__`",
                        "call the module: `self.fc1(x)`")
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(report_view(Report("exercise6", "f.py", "fail", checks=[check])))
    text = console.export_text()
    assert "it skips __call__" in text and "call the module: self.fc1(x)" in text and "`" not in text


# --- internal error: exit 3 ------------------------------------------------------------------

def test_internal_error_exits_3_with_the_traceback(monkeypatch, capsys, tmp_path: Path) -> None:
    """A bug in the grader itself (here: grading raises) is exit 3, with the traceback to report."""
    import grader.grading
    from grader.cli import main

    def broken(*args, **kwargs):
        raise RuntimeError("the grader itself is broken")

    monkeypatch.setenv("FORWARDLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(grader.grading, "grade_files", broken)
    assert main(["check", "2", str(CORRECT)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: the grader itself is broken" in err
    assert err.strip().splitlines()[-1].startswith("grader: internal error")
