"""What computes answers stays out of the child's reach (grader.isolation.guard), checked directly in a
fresh interpreter: the Python seal everywhere, the mount namespace where the grader runs as root. The
hostile submissions (tests/submissions/hostile) try the same routes through a real child."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

SEALED = """
import importlib, importlib.util, os, sys, tempfile
from grader.isolation import guard
from grader.judging.prepare import answer_folders
folders = answer_folders()
guard.seal(folders)
spec = os.path.join(folders[-2], "exercise2.py") if folders[-2].endswith("specs") else None
link = os.path.join(tempfile.mkdtemp(), "link")
os.symlink(os.path.dirname(spec), link)
attempts = {
    "import": lambda: __import__("grader.judging.spec"),
    "importlib": lambda: importlib.import_module("grader.course.registry"),
    "content": lambda: importlib.import_module("forwardlab_content.specs"),
    "open": lambda: open(spec).read(),
    "os.open": lambda: os.open(spec, os.O_RDONLY),
    "symlink": lambda: open(os.path.join(link, "exercise2.py")).read(),
    "listdir": lambda: os.listdir(os.path.dirname(spec)),
    "file location": lambda: importlib.util.spec_from_file_location("x", spec).loader.get_data(spec),
}
for name, attempt in attempts.items():
    try:
        attempt()
    except (ImportError, PermissionError):
        continue
    print("REACHED", name)
import grader.isolation.constructors  # the child's own side stays importable
open(os.path.join(os.path.dirname(guard.__file__), "child.py")).read()
print("OK")
"""

HIDDEN = """
import os
from grader.isolation import guard
folder = {folder!r}
assert not {hide} or guard.hide([folder])
os.setresgid(65534, 65534, 65534)
os.setresuid(65534, 65534, 65534)
try:
    print("LISTED", os.listdir(folder))
except PermissionError:
    print("OK")
"""


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_seal_refuses_every_python_route_to_the_answers() -> None:
    out = run(SEALED)
    assert "REACHED" not in out and out.strip().endswith("OK"), out


@pytest.mark.skipif(os.geteuid() != 0, reason="a mount namespace needs root")
def test_as_root_the_folders_are_empty_for_the_job() -> None:
    folder = Path(tempfile.mkdtemp(dir="/tmp"))  # where another uid can reach it, unlike pytest's tmp_path
    try:
        folder.chmod(0o755)
        (folder / "answers.py").write_text("SECRET = 1\n")
        assert "answers.py" in run(HIDDEN.format(folder=str(folder), hide=False)), "the control reads the folder"
        assert run(HIDDEN.format(folder=str(folder), hide=True)).strip() == "OK"
        assert (folder / "answers.py").exists(), "the mount stays in the child's own namespace"
    finally:
        shutil.rmtree(folder)
