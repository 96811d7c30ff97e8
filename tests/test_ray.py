"""The Ray backend: a local Ray instance grades test submissions on two actors, one of them lost
halfway (its jobs run again on the other), and every verdict and message equals the local pool's;
nothing it started outlives it. Without Ray, `--backend ray` is one usage line."""

from __future__ import annotations

import os
import tempfile
import time

import psutil
import pytest
from conftest import SUBMISSIONS

from grader.cli import main

FILES = ["correct_modules.py", "wrong_softmax_output.py", "wrong_syntax_error.py", "wrong_view_64.py",
         "wrong_detach_hidden.py", "wrong_prints_fake_report.py"]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _mentioning(text: str) -> list[int]:
    """Processes whose command line mentions `text` (psutil: on every platform)."""
    pids = []
    for proc in psutil.process_iter():
        try:
            if proc.pid != os.getpid() and text in " ".join(proc.cmdline()):
                pids.append(proc.pid)
        except (psutil.Error, OSError):
            continue
    return pids


def test_ray_actors_give_the_local_pools_verdicts(grade, monkeypatch: pytest.MonkeyPatch) -> None:
    ray = pytest.importorskip("ray")
    from grader.backends.ray_actors import RayPool
    from grader.grading import Grader
    from grader.judging.prepare import Secret

    folder = tempfile.mkdtemp(prefix="flray-", dir="/tmp" if os.name == "posix" else None)  # short: socket paths
    monkeypatch.setenv("RAY_TMPDIR", folder)
    paths = [SUBMISSIONS / "exercise2" / name for name in FILES]
    secret = Secret()  # one secret for both: the same probes, so the same messages
    with Grader(secret=secret) as grader:
        local = grader.check("exercise2", paths)

    pool = RayPool(actors=2, secret=secret)
    lost: list[object] = []

    def lose_an_actor(_report: object) -> None:  # the first report in: one actor goes, jobs queued on it too
        if not lost:
            lost.append(pool.actors[0])
            ray.kill(pool.actors[0], no_restart=True)

    try:
        with Grader(pool=pool) as grader:
            remote = grader.check("exercise2", [p.resolve() for p in paths], on_done=lose_an_actor)
            assert len(pool.actors) == 1 and lost[0] not in pool.actors
    finally:
        pool.close()
    for mine, theirs in zip(remote, local, strict=True):
        assert mine.file == theirs.file
        assert mine.status == theirs.status, mine.file
        assert [(c.id, c.status, c.message) for c in mine.checks if c.category != "time"] == \
            [(c.id, c.status, c.message) for c in theirs.checks if c.category != "time"], mine.file
    deadline = time.monotonic() + 20
    while (left := [p for p in pool.pids if _alive(p)] + _mentioning(folder)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, f"processes left behind: {left}"
    assert not ray.is_initialized()


def test_without_ray_the_backend_is_one_usage_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setitem(__import__("sys").modules, "ray", None)  # import ray now fails
    file = str(SUBMISSIONS / "exercise2" / "correct_modules.py")
    assert main(["check", "2", file, "--backend", "ray"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "pip install 'forwardlab[ray]'" in err
    assert main(["check", "2", file, "--address", "ray://head:10001"]) == 2
    assert "--address is for --backend ray" in capsys.readouterr().err
