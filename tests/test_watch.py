"""The file watcher behind `grader watch`: fires on save, collapses bursts, polls where events don't
arrive; and the command itself re-checks on save and exits 0 on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, SUBMISSIONS

from grader import watching
from grader.watching import FileWatcher


class Calls:
    """Records callbacks; `wait(n)` blocks until there have been n of them (or a timeout)."""

    def __init__(self) -> None:
        self.paths: list[Path] = []
        self._event = threading.Condition()

    def __call__(self, path: Path) -> None:
        with self._event:
            self.paths.append(path)
            self._event.notify_all()

    def wait(self, n: int, timeout: float = 5.0) -> bool:
        with self._event:
            return self._event.wait_for(lambda: len(self.paths) >= n, timeout)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "exercise2.py"
    path.write_text("x = 1\n")
    return path


@pytest.mark.parametrize("poll", [False, True], ids=["events", "polling"])
def test_fires_on_save_and_on_replace(source: Path, poll: bool) -> None:
    calls = Calls()
    with FileWatcher(source, calls, debounce_s=0.05, poll=poll, poll_interval_s=0.05) as watcher:
        assert watcher.polling is poll
        time.sleep(0.2)  # let the watcher settle before the first save
        source.write_text("x = 2\n")
        assert calls.wait(1), watcher.mode
        replacement = source.with_name(".exercise2.py.swp")  # how many editors save: write aside, rename over
        replacement.write_text("x = 3\n")
        os.replace(replacement, source)
        assert calls.wait(2), watcher.mode
    assert calls.paths == [source.resolve()] * 2


@pytest.mark.parametrize("poll", [False, True], ids=["events", "polling"])
def test_debounce_collapses_a_burst(source: Path, poll: bool) -> None:
    calls = Calls()
    with FileWatcher(source, calls, debounce_s=0.5, poll=poll, poll_interval_s=0.02):
        time.sleep(0.2)
        for i in range(10):  # an editor that writes in pieces, or a formatter that runs on save
            source.write_text(f"x = {i}\n" * (i + 1))
            time.sleep(0.01)
        assert calls.wait(1)
        time.sleep(1.0)
    assert len(calls.paths) == 1


def test_polling_sees_an_edit_with_the_same_size_and_time(source: Path) -> None:
    """A coarse clock (network mounts) can leave mtime and size unchanged: the hash still differs."""
    calls = Calls()
    before = source.stat()
    with FileWatcher(source, calls, debounce_s=0.05, poll=True, poll_interval_s=0.05):
        time.sleep(0.2)
        source.write_text("y = 1\n")
        os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert calls.wait(1)


def test_trigger_runs_the_callback_and_stop_ends_the_threads(source: Path) -> None:
    calls = Calls()
    watcher = FileWatcher(source, calls, poll=True).start()
    watcher.trigger()
    assert calls.wait(1)
    watcher.stop()
    assert not any(t.is_alive() for t in watcher._threads)


def test_when_to_poll(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(watching.POLL_ENV, "1")
    assert FileWatcher(source, print).polling
    monkeypatch.delenv(watching.POLL_ENV)
    monkeypatch.setattr(watching, "filesystem_type", lambda path: "9p")  # WSL's view of a Windows drive
    assert "9p mount" in watching.polling_reason(source)
    monkeypatch.setattr(watching, "filesystem_type", lambda path: "ext4")
    assert watching.polling_reason(source) is None
    assert not FileWatcher(source, print).polling


def test_filesystem_type_of_the_root() -> None:
    if not Path("/proc/self/mounts").exists():
        pytest.skip("no /proc/self/mounts here")
    assert watching.filesystem_type(Path("/")) is not None


@pytest.mark.skipif(os.name != "posix", reason="Ctrl+C (SIGINT) cannot be sent to a console program from here")
@pytest.mark.parametrize("isolation", ["", "portable"], ids=["default", "portable"])
def test_watch_command_rechecks_on_save_and_exits_0_on_ctrl_c(tmp_path: Path, isolation: str) -> None:
    target = tmp_path / "exercise2.py"
    target.write_text((SUBMISSIONS / "exercise2" / "wrong_no_relu.py").read_text())
    env = {**os.environ, "COLUMNS": "200", "FORWARDLAB_ISOLATION": isolation}
    proc = subprocess.Popen([sys.executable, "-m", "grader", "watch", "2", str(target)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()

    def wait_for(text: str, count: int = 1, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while sum(text in line for line in list(lines)) < count:
            assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
            time.sleep(0.05)

    try:
        wait_for("watching")  # the first check is on screen, with its status line
        assert any("FAIL" in line for line in lines)
        first_check = next(i for i, line in enumerate(lines) if "checks passed" in line)
        assert "values/reference" in lines[first_check + 1]  # the first failure on top
        target.write_text((SUBMISSIONS / "exercise2" / "correct_modules.py").read_text())
        wait_for("PASS")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
    reader.join(5)
    assert "stopped watching" in "".join(lines)


SIGNAL_ELSEWHERE = """
import signal, sys, threading, time
from grader.commands.watch_cmd import wait_for_interrupt

def interrupt_another_thread():
    time.sleep(0.3)  # the kernel may hand Ctrl-C to any thread: here, deliberately, not the main one
    signal.pthread_kill(threading.get_ident(), signal.SIG{name})
    time.sleep(60)

threading.Thread(target=interrupt_another_thread, daemon=True).start()
try:
    wait_for_interrupt()
except KeyboardInterrupt:
    print("stopped")
"""


@pytest.mark.parametrize("name", ["INT", "TERM"])
def test_watch_stops_even_when_the_signal_lands_on_another_thread(name: str) -> None:
    """The cause of `grader watch` once hanging after Ctrl-C: an endless wait in the main thread sleeps through
    a signal the kernel gave to another thread. The watch waits in short steps, and SIGTERM stops it too."""
    done = subprocess.run([sys.executable, "-c", SIGNAL_ELSEWHERE.replace("{name}", name)], capture_output=True,
                          text=True, timeout=30)
    assert done.stdout.strip() == "stopped", done.stderr
