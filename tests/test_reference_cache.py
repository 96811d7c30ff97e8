"""The reference cache of single checks: a damaged or unusable cache costs time, never a grade."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from conftest import SUBMISSIONS

CORRECT = SUBMISSIONS / "exercise2" / "correct_modules.py"
WRONG = SUBMISSIONS / "exercise2" / "wrong_no_relu.py"


def check(cache: Path, data: Path, file: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FORWARDLAB_CACHE_DIR": str(cache), "FORWARDLAB_DATA_DIR": str(data)}
    return subprocess.run([sys.executable, "-m", "grader", "check", "2", str(file), "--json"],
                          env=env, capture_output=True, text=True, timeout=120)


def test_a_corrupt_cache_is_rebuilt_and_verdicts_stay_right(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert check(cache, tmp_path, CORRECT).returncode == 0
    references = [p for p in cache.glob("*.pt") if not p.name.endswith(".plan.pt")]
    assert references, "the first check writes the cache"
    for path in references:
        path.write_bytes(b"not a torch file")
    wrong = check(cache, tmp_path, WRONG)
    assert wrong.returncode == 1 and json.loads(wrong.stdout)["status"] == "fail"
    assert check(cache, tmp_path, CORRECT).returncode == 0
    assert all(isinstance(torch.load(p, weights_only=True), dict) for p in references), "the cache is rewritten"


def test_an_unwritable_cache_is_a_notice_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    result = check(blocker, tmp_path, CORRECT)
    assert result.returncode == 0, result.stderr
    assert "notice: cannot write the reference cache" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_cache_is_unreadable_to_others_whatever_its_folders_mode(tmp_path: Path) -> None:
    """A cache folder that already exists with mode 0755 (made by hand, or an older version) must not
    expose the reference's outputs: the files are 0600 and the folder is made 0700; a cache file that
    someone else could have written is not trusted, but rebuilt."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o755)
    cache.chmod(0o755)
    assert check(cache, tmp_path, CORRECT).returncode == 0
    files = list(cache.glob("*.pt"))
    assert files and all(p.stat().st_mode & 0o077 == 0 for p in files) and cache.stat().st_mode & 0o077 == 0
    for path in files:
        path.chmod(0o666)  # writable by anyone: could hold anything
        path.write_bytes(b"planted")
    assert check(cache, tmp_path, WRONG).returncode == 1
    assert check(cache, tmp_path, CORRECT).returncode == 0
    assert all(p.stat().st_mode & 0o077 == 0 and p.read_bytes() != b"planted" for p in cache.glob("*.pt"))
