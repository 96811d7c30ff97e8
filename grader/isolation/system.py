"""Linux process helpers shared by the zygote and the child: prctl, the process table, sweeping a
job's processes, "bridges" into private folders, and removing a tree of any depth.

Imports only the standard library: the child imports this module, and so does the parent.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import stat
import sys
import time
from pathlib import Path
from typing import NamedTuple

PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 4, 36, 38


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


# --- reaching private folders as that uid ------------------------------------------------------

def _passable(path: str) -> bool:
    """Whether a process of another uid (with no groups) can walk through `path`."""
    try:
        return bool(os.stat(path).st_mode & 0o001)
    except OSError:
        return False


def blocked_on_way(path: str) -> list[str]:
    """The folders on the way to `path` (itself included) that another uid cannot walk through."""
    parts = Path(path).parts
    return [str(Path(*parts[:k])) for k in range(1, len(parts) + 1) if not _passable(str(Path(*parts[:k])))]


def bridge_point(path: str, others: bool, covered: list[str]) -> str | None:
    """`path` itself when the child could not reach it by name: a private folder lies on the way (a
    pyenv under /root: 0700) and the child runs as another uid (`others`), or it lies in a shared folder
    that the child's private mounts cover (`covered`, see grader.isolation.jail). Opened before, it is
    reached afterwards as /proc/self/fd/N. Exactly that folder, never one above it: the folder above a
    submission holds other students' files (where the kernel has Landlock, `..` from the descriptor
    leads nowhere readable either: see grader.isolation.child._hidden)."""
    if not os.path.isabs(path) or not os.path.isdir(path):
        return None
    under = any(path == c or path.startswith(c.rstrip("/") + "/") for c in covered)
    return path if under or (others and blocked_on_way(path)) else None


def open_bridges(paths: list[str], others: bool, covered: list[str]) -> dict[str, int]:
    """{folder: descriptor} for those of `paths` that need one (see bridge_point)."""
    bridges: dict[str, int] = {}
    for path in paths:
        point = bridge_point(path, others, covered)
        if point and point not in bridges:
            with contextlib.suppress(OSError):
                bridges[point] = os.open(point, os.O_PATH | os.O_DIRECTORY)
    return bridges


# --- removing a tree ---------------------------------------------------------------------------

def remove_tree(path: str | Path) -> bool:
    """Remove `path` and everything below it, however deep, following no link: no recursion, and two
    descriptors at a time (a 100,000-deep chain of folders is no problem). Never raises; returns whether
    it is gone. Folders a learner made unreadable or unwritable are opened up first when we own them."""
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)
            return True
        fd = os.open(path, _DIR_FLAGS)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        _empty(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _empty(top: int) -> None:
    """Remove everything inside the folder open as `top` (which stays open). Walks down one folder at a
    time and back up through "..", checking each step up against the folder it came from."""
    fd, trail = os.dup(top), []  # trail: (name, (device, inode) of the folder holding it), from the top down
    stuck: set[tuple[int, int, str]] = set()  # entries that could not be removed: never tried again
    try:
        while True:
            here = os.fstat(fd)
            _open_up(fd, here)
            sub = None
            for entry in os.scandir(fd):
                if (here.st_dev, here.st_ino, entry.name) in stuck:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    sub = entry.name
                    break
                try:
                    os.unlink(entry.name, dir_fd=fd)
                except FileNotFoundError:
                    pass
                except OSError:
                    stuck.add((here.st_dev, here.st_ino, entry.name))
            if sub is not None:
                below = _open_below(sub, fd)
                if below is None:
                    stuck.add((here.st_dev, here.st_ino, sub))
                    continue
                trail.append((sub, (here.st_dev, here.st_ino)))
                os.close(fd)
                fd = below
                continue
            if not trail:
                return
            name, parent = trail.pop()
            up = os.open("..", _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = up
            above = os.fstat(fd)
            if (above.st_dev, above.st_ino) != parent:
                return  # the tree moved under us: stop rather than delete elsewhere
            try:
                os.rmdir(name, dir_fd=fd)
            except FileNotFoundError:
                pass
            except OSError:
                stuck.add((above.st_dev, above.st_ino, name))
    finally:
        os.close(fd)


def _open_below(name: str, fd: int) -> int | None:
    """The folder `name` in the folder open as `fd`; one its owner (not root) made unreadable is opened up."""
    for attempt in range(2):
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=fd)
        except PermissionError:
            if attempt or os.geteuid() == 0:
                return None
            with contextlib.suppress(OSError):
                os.chmod(name, 0o700, dir_fd=fd)  # a folder (just listed as one), so no link is followed
        except OSError:
            return None
    return None


def _open_up(fd: int, st: os.stat_result) -> None:
    """As the owner but not root, a folder must be readable, writable and passable to be emptied."""
    if os.geteuid() != 0 and st.st_uid == os.geteuid() and st.st_mode & 0o700 != 0o700:
        with contextlib.suppress(OSError):
            os.fchmod(fd, stat.S_IMODE(st.st_mode) | 0o700)
