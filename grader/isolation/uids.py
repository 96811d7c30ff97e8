"""As root: a uid of its own for every job, and nothing of it left when the next job gets that uid.

`UidPool.claim` takes a uid that no account holds and no other zygote on the machine holds (an
exclusive lock on /run/forwardlab-uids/UID.lock), after clearing whatever an earlier holder may
have left; `release` clears the uid again and lets it go only if nothing of it remains (else it
stays held, unused, for this zygote's lifetime). Clearing a uid: kill its processes, remove its
files from every shared writable folder (recursing into world-writable folders there) and its
System V IPC objects and POSIX message queues. Standard library only.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import random
import stat
import sys
import tempfile
from pathlib import Path

from grader.isolation.system import remove_tree, sweep

if sys.platform != "win32":  # the parent imports this module on every platform (uid_lock_dir, for --sandbox)
    import fcntl
    import pwd

# Debian reserves 65000-65533 for local use by no package: no account or service should hold them.
SANDBOX_UIDS = range(65000, 65500)
SYSV = {"shm": "shmctl", "sem": "semctl", "msg": "msgctl"}  # /proc/sysvipc file -> its control call
IPC_RMID = 0
CLEARED = b"cleared\n"  # what a lock file says while its uid holds nothing
MAX_ENTRIES = 100_000  # entries looked at in the shared folders per clearing (a flood of files is still bounded)


def uid_lock_dir() -> Path:
    """Where zygotes lock the uids they hold: shared by every zygote on the machine, sandboxed or not
    (a sandboxed zygote is told where, in FORWARDLAB_UID_LOCKS)."""
    if os.environ.get("FORWARDLAB_UID_LOCKS"):
        return Path(os.environ["FORWARDLAB_UID_LOCKS"])
    base = Path("/run") if os.access("/run", os.W_OK) else Path(tempfile.gettempdir())
    return base / "forwardlab-uids"


class UidPool:
    """The uids this zygote hands its jobs, one fresh uid per job (root only)."""

    def __init__(self, shared: list[str]) -> None:
        self.shared = shared
        self._held: dict[int, int] = {}  # uid -> lock descriptor
        self._next = random.randrange(len(SANDBOX_UIDS))  # zygotes start apart: fewer lock collisions
        self.usable = os.geteuid() == 0 and self._lock_dir_safe() and _can_become(self._first_free())

    def _lock_dir_safe(self) -> bool:
        locks = uid_lock_dir()
        try:
            locks.mkdir(mode=0o755, exist_ok=True)
            return not locks.is_symlink() and locks.stat().st_uid == 0
        except OSError:
            return False

    def _first_free(self) -> int:
        return next(uid for uid in SANDBOX_UIDS if not _has_account(uid))

    def claim(self) -> int | None:
        """A uid for the next job (cleared of anything an earlier job left), or None when none can be had."""
        if not self.usable:
            return None
        for step in range(len(SANDBOX_UIDS)):
            uid = SANDBOX_UIDS[(self._next + step) % len(SANDBOX_UIDS)]
            if uid in self._held or _has_account(uid):
                continue
            fd = self._lock(uid)
            if fd is None:
                continue
            self._held[uid] = fd
            # a uid released cleared says so in its lock file; any other (a zygote died holding it) is cleared
            if os.pread(fd, len(CLEARED), 0) != CLEARED:
                sweep(uid=uid)
                if not self.clear(uid):
                    continue  # something of an earlier job would not go: keep it held, never used
            os.ftruncate(fd, 0)
            self._next = (self._next + step + 1) % len(SANDBOX_UIDS)
            return uid
        return None

    def release(self, uid: int) -> None:
        """After its job (whose processes are gone): clear `uid`, and let it go only if nothing of it is left."""
        if self.clear(uid):
            fd = self._held.pop(uid)
            with contextlib.suppress(OSError):
                os.pwrite(fd, CLEARED, 0)
                os.close(fd)

    def clear(self, uid: int) -> bool:
        """Remove `uid`'s files and IPC objects; whether nothing of it remains."""
        _remove_files(uid, self.shared)
        _remove_ipc(uid)
        return not (_files_of(uid, self.shared) or _ipc_of(uid))

    def _lock(self, uid: int) -> int | None:
        try:
            fd = os.open(uid_lock_dir() / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd


def _has_account(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def _can_become(uid: int) -> bool:
    """Whether a process can switch to `uid` here (a user namespace that maps no such uid cannot)."""
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


def _remove_files(uid: int, shared: list[str]) -> None:
    for path in _files_of(uid, shared):
        remove_tree(path)


def _files_of(uid: int, shared: list[str]) -> list[str]:
    """What `uid` owns in the shared folders: their entries, and entries of the world-writable folders
    of others inside them (such as /tmp/.X11-unix), at any depth, looking at MAX_ENTRIES at most."""
    found: list[str] = []
    todo, seen = list(shared), 0
    while todo and seen < MAX_ENTRIES:
        folder = todo.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries[:MAX_ENTRIES - seen]:
            seen += 1
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if info.st_uid == uid:
                found.append(entry.path)
            elif stat.S_ISDIR(info.st_mode) and info.st_mode & 0o002:
                todo.append(entry.path)
    return found


def _ipc_rows(kind: str) -> list[dict[str, str]]:
    try:
        lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
    except OSError:
        return []
    header = lines[0].split() if lines else []
    return [dict(zip(header, line.split(), strict=False)) for line in lines[1:]]


def _ipc_of(uid: int) -> list[tuple[str, int]]:
    """(kind, id) of every System V IPC object `uid` owns or made, and ("mq", 0) per POSIX queue of it."""
    objects = [(kind, int(row.get("shmid") or row.get("semid") or row.get("msqid") or -1))
               for kind in SYSV for row in _ipc_rows(kind) if str(uid) in (row.get("uid"), row.get("cuid"))]
    with contextlib.suppress(OSError):
        objects += [("mq", 0) for e in os.scandir("/dev/mqueue") if e.stat(follow_symlinks=False).st_uid == uid]
    return objects


def _remove_ipc(uid: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for kind, ident in _ipc_of(uid):
        if kind == "sem":
            libc.semctl(ident, 0, IPC_RMID)
        elif kind in SYSV:
            getattr(libc, SYSV[kind])(ident, IPC_RMID, None)
    with contextlib.suppress(OSError):
        for entry in os.scandir("/dev/mqueue"):
            if entry.stat(follow_symlinks=False).st_uid == uid:
                os.unlink(entry.path)
