"""Linux process helpers shared by the zygote and the child: prctl, the process table, sweeping a
job's processes, a uid of the job's own (as root), and "bridges" into private folders.

Imports only the standard library: the child imports this module, and so does the parent.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

if sys.platform != "win32":  # the child's module imports this one on every platform (grader.isolation.template)
    import fcntl
    import pwd

PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 4, 36, 38
# Debian reserves 65000-65533 for local use by no package: no account or service should hold them.
SANDBOX_UIDS = range(65000, 65500)
_held_locks: list[int] = []  # lock file descriptors kept open for the process's lifetime


def prctl(option: int, value: int) -> bool:
    if sys.platform != "linux":
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):  # a libc without prctl
        return False


# --- the process table ---------------------------------------------------------------------

class Proc(NamedTuple):
    pid: int
    ppid: int
    state: str  # R, S, D, Z, ...
    uids: set[int]  # real, effective, saved, file-system
    threads: int


def processes() -> list[Proc]:
    """Every process, read from /proc/PID/status."""
    table: list[Proc] = []
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return table
    for pid in entries:
        try:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                          if ":" in line)
            table.append(Proc(int(pid), int(fields["PPid"]), fields["State"].split()[0],
                              {int(u) for u in fields["Uid"].split()}, int(fields["Threads"])))
        except (OSError, KeyError, ValueError):  # it ended while we looked
            continue
    return table


def _descendants(table: list[Proc], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for proc in table:
        children.setdefault(proc.ppid, []).append(proc.pid)
    found, stack = set(), list(children.get(root, []))
    while stack:
        pid = stack.pop()
        if pid not in found:
            found.add(pid)
            stack += children.get(pid, [])
    return found


def _carries(pid: int, token: str) -> bool:
    try:
        return f"FORWARDLAB_WORKER={token}".encode() in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def sweep(uid: int | None = None, root: int | None = None, token: str | None = None, rounds: int = 200) -> int:
    """SIGKILL every live descendant of `root`, every process running as `uid` and every process whose
    environment carries the zygote `token`, again and again until none is left (a fork bomb refills
    the table between rounds); reap what is ours. Returns how many processes were killed."""
    me, killed = os.getpid(), 0
    for _ in range(rounds):
        table = processes()
        mine = _descendants(table, root) if root is not None else set()
        victims = [p.pid for p in table
                   if p.pid != me and p.state != "Z" and (p.pid in mine or (uid is not None and uid in p.uids)
                                                          or (token is not None and _carries(p.pid, token)))]
        _reap()
        if not victims:
            return killed
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.002)
    return killed


def _reap() -> None:
    """Collect every child of ours that has ended (orphans the subreaper adopted included)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


# --- a uid for the children ----------------------------------------------------------------

def uid_lock_dir() -> Path:
    """Where zygotes lock the uids they hold: shared by every zygote on the machine, sandboxed or not
    (a sandboxed zygote is told where, in FORWARDLAB_UID_LOCKS)."""
    if os.environ.get("FORWARDLAB_UID_LOCKS"):
        return Path(os.environ["FORWARDLAB_UID_LOCKS"])
    base = Path("/run") if os.access("/run", os.W_OK) else Path(tempfile.gettempdir())
    return base / "forwardlab-uids"


def claim_uid() -> int | None:
    """As root: a uid that no account uses, that this zygote can switch to, and that no other
    zygote holds (an exclusive lock on a file named after it, held until the zygote exits).
    None when not root, or when no uid can be had: the children then run as this user."""
    if os.geteuid() != 0:
        return None
    locks = uid_lock_dir()
    try:
        locks.mkdir(mode=0o755, exist_ok=True)
        if locks.is_symlink() or locks.stat().st_uid != 0:
            return None
    except OSError:
        return None
    for uid in SANDBOX_UIDS:
        if _has_account(uid):
            continue
        fd = os.open(locks / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        if not _can_become(uid):
            os.close(fd)
            return None  # e.g. a user namespace that maps no such uid: they all fail alike
        _held_locks.append(fd)
        sweep(uid=uid)  # whatever a zygote that died before us left running as this uid
        return uid
    return None


def _has_account(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def _can_become(uid: int) -> bool:
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            code = 0
        except OSError:
            code = 1
        os._exit(code)
    return os.waitpid(pid, 0)[1] == 0


# --- reaching the interpreter's files as that uid ---------------------------------------------

def _passable(path: str) -> bool:
    """Whether a process of another uid (with no groups) can walk through `path`."""
    try:
        return bool(os.stat(path).st_mode & 0o001)
    except OSError:
        return False


def bridge_point(path: str) -> str | None:
    """When a private folder lies on the way to `path` (a pyenv under /root: 0700), the highest
    folder below it from which every folder down to `path` lets others through; else None.
    Opened before the uid switch, it is reached afterwards as /proc/self/fd/N: the descriptor
    grants the way in, and `..` from it still leads nowhere."""
    if not os.path.isabs(path) or not os.path.isdir(path):
        return None
    parts = Path(path).parts
    prefixes = [str(Path(*parts[:k])) for k in range(1, len(parts) + 1)]
    blocked = [p for p in prefixes if not _passable(p)]
    if not blocked:
        return None
    below = prefixes.index(blocked[-1]) + 1
    return prefixes[below] if below < len(prefixes) else None


def open_bridges(paths: list[str]) -> dict[str, int]:
    """{bridge folder: descriptor} for those of `paths` that need one (see bridge_point)."""
    bridges: dict[str, int] = {}
    for path in paths:
        point = bridge_point(path)
        if point and point not in bridges:
            with contextlib.suppress(OSError):
                bridges[point] = os.open(point, os.O_PATH | os.O_DIRECTORY)
    return bridges
