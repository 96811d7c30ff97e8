"""Watching one file for saves: what `grader watch` and the TUI re-check on (no torch here).

`FileWatcher(path, callback).start()` calls `callback(path)` from a background thread once per
burst of saves: changes closer together than `debounce_s` are one save (editors write a file in
several steps). The next burst waits for the callback to return, so the last save is always seen.

File events come from watchfiles (inotify, FSEvents, ReadDirectoryChangesW) on the file's folder,
so that editors that save by replacing the file are seen too. Where events don't arrive (network
and WSL mounts, or watchfiles missing) it polls the file's modification time, size and content
hash, which also sees an edit within one tick of a coarse modification clock. `poll=True`, or
FORWARDLAB_WATCH_POLL=1, forces polling.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import queue
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

POLL_ENV = "FORWARDLAB_WATCH_POLL"
# file systems whose changes (made by another machine, or by Windows under WSL) raise no local events
REMOTE_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "v9fs", "drvfs", "vboxsf", "prl_fs",
                      "fuse.sshfs", "fuse.grpcfuse", "virtiofs", "afs", "ceph", "glusterfs", "lustre"}


def filesystem_type(path: Path) -> str | None:
    """The type of the mount that holds `path` (from /proc/self/mounts; None where there is none)."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    target, best, kind = str(path.resolve()), "", None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount = fields[1].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, kind = mount, fields[2]
    return kind


def polling_reason(path: Path) -> str | None:
    """Why file events may not arrive for `path` (so poll), or None when they should."""
    if os.environ.get(POLL_ENV, "") not in ("", "0"):
        return f"{POLL_ENV} is set"
    if not path.parent.is_dir():  # no folder to take events from yet (e.g. before `grader init`)
        return f"{path.parent} does not exist yet"
    if importlib.util.find_spec("watchfiles") is None:
        return "watchfiles is not installed"
    kind = filesystem_type(path.parent)
    if kind in REMOTE_FILESYSTEMS:
        return f"{path.parent} is on a {kind} mount"
    return None


def fingerprint(path: Path) -> tuple | None:
    """What polling compares: modification time, size, inode and content hash (None: no file)."""
    try:
        stat = path.stat()
        return stat.st_mtime_ns, stat.st_size, stat.st_ino, hashlib.sha256(path.read_bytes()).digest()
    except OSError:
        return None


class FileWatcher:
    """Calls `callback(path)` once per burst of saves to `path`, from a background thread."""

    def __init__(self, path: str | Path, callback: Callable[[Path], None], *, debounce_s: float = 0.05,
                 poll: bool | None = None, poll_interval_s: float = 0.1) -> None:
        self.path = Path(path).resolve()
        self.callback = callback
        self.debounce_s, self.poll_interval_s = debounce_s, poll_interval_s
        self.reason = "asked to poll" if poll else None if poll is False else polling_reason(self.path)
        self.polling = self.reason is not None
        self._changes: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def mode(self) -> str:
        return f"polling ({self.reason})" if self.polling else "file events"

    def start(self) -> FileWatcher:
        for target in (self._poll if self.polling else self._events, self._dispatch):
            thread = threading.Thread(target=target, name=f"watch:{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def trigger(self) -> None:
        """Run the callback soon, as if the file had been saved (e.g. a first check, or a key press)."""
        self._changes.put(True)

    def stop(self, timeout: float | None = 1.0) -> None:
        """Stop watching; waits up to `timeout` for a callback that is running to return."""
        self._stop.set()
        self._changes.put(None)
        for thread in self._threads:
            thread.join(timeout)

    def __enter__(self) -> FileWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _events(self) -> None:
        import watchfiles

        for _ in watchfiles.watch(self.path.parent, watch_filter=lambda _change, p: Path(p) == self.path,
                                  stop_event=self._stop, step=10, rust_timeout=500, yield_on_timeout=False,
                                  recursive=False, raise_interrupt=False):
            self._changes.put(True)

    def _poll(self) -> None:
        last = fingerprint(self.path)
        while not self._stop.wait(self.poll_interval_s):
            now = fingerprint(self.path)
            if now != last:
                last = now
                self._changes.put(True)

    def _dispatch(self) -> None:
        # polling sees a burst one tick at a time: wait a little longer than a tick for it to end
        quiet = self.debounce_s if not self.polling else max(self.debounce_s, 1.25 * self.poll_interval_s)
        while self._changes.get() is not None:
            try:
                while self._changes.get(timeout=quiet) is not None:
                    pass  # still saving
                return  # stopped during the burst
            except queue.Empty:
                pass
            if self._stop.is_set():
                return
            if self.path.is_file():  # a save in progress may have removed it for a moment
                self._call()

    def _call(self) -> None:
        try:
            self.callback(self.path)
        except Exception:  # noqa: BLE001 - one failed callback must not end the watching
            traceback.print_exc(file=sys.stderr)
