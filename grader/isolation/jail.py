"""Confinement a child gets from the kernel beyond rlimits and a uid, each where the kernel allows it:

* `private_mounts`: its own mount and IPC namespaces (a user namespace too when not root), with one
  bounded tmpfs (bytes and inodes) as its scratch folder and over every shared temporary folder
  (/tmp, /var/tmp, /dev/shm, /run/lock, ...): nothing it writes there outlives it, nothing of another
  job is there to read, and no System V or POSIX IPC object it makes outlives it;
* `restrict_files` (Landlock): it reads everything but the `hidden` folders (the grader's own, other
  jobs', the submission's neighbours, folders others may not enter), and writes only its scratch;
  on kernels that have it (Landlock ABI 6) it can signal only its own processes;
* `restrict_calls` (seccomp): it can signal, trace, re-limit or re-prioritise no process but its own,
  on any kernel with seccomp (x86-64 and arm64).

`probe` says what this machine allows; FORWARDLAB_NO_NAMESPACES=1 / FORWARDLAB_NO_LANDLOCK=1 turn the
first two off (to test the fallbacks). Standard library only: it runs in the child. See
docs/threat-model.md for what each layer closes and what is left to the container.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import platform
import struct
from pathlib import Path
from typing import NamedTuple

from grader.isolation.system import PR_SET_DUMPABLE, blocked_on_way, prctl

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x00020000, 0x08000000, 0x10000000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x1000, 0x4000, 0x40000
SCRATCH = "/tmp"  # where the private tmpfs is mounted; the other shared folders are folders inside it
HOME = "/tmp/home"


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


# --- private mounts -------------------------------------------------------------------------------

def private_mounts(shared: list[str], disk_bytes: int, inodes: int, uid: int | None) -> None:
    """Own mount and IPC namespaces (and a user namespace when not root); a tmpfs of `disk_bytes` and
    `inodes` on /tmp, and a folder of it over each other `shared` folder. `uid`: the job's uid (root)."""
    root = os.geteuid() == 0
    real_uid, real_gid = os.getuid(), os.getgid()
    if not root:  # a process the zygote forked is not dumpable: its /proc/self files are root's until it is
        prctl(PR_SET_DUMPABLE, 1)
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | (0 if root else CLONE_NEWUSER)), "unshare")
    if not root:  # map ourselves to ourselves: no other id exists in there
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{real_uid} {real_uid} 1")
        Path("/proc/self/gid_map").write_text(f"{real_gid} {real_gid} 1")
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "making mounts private")
    options = f"size={disk_bytes},nr_inodes={inodes},mode=1777".encode()
    _check(_libc.mount(b"forwardlab", SCRATCH.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options), "mounting /tmp")
    for n, folder in enumerate(f for f in shared if f != SCRATCH and not f.startswith(SCRATCH + "/")):
        inside = f"{SCRATCH}/.shared-{n}"
        os.mkdir(inside)
        os.chmod(inside, 0o1777)
        _check(_libc.mount(inside.encode(), folder.encode(), None, MS_BIND, None), f"mounting {folder}")
    os.mkdir(HOME, 0o700)
    if uid is not None:
        os.chown(HOME, uid, uid)
    if not root:
        _drop_capabilities()


def _drop_capabilities() -> None:
    """A user namespace gives its creator every capability inside it: give them all up (v3 header)."""
    header = struct.pack("=Ii", 0x20080522, 0)
    _check(_libc.capset(ctypes.c_char_p(header), ctypes.c_char_p(bytes(24))), "dropping capabilities")


def shared_folders() -> list[str]:
    """Folders anyone may write to: the usual temporary folders, and world-writable folders up to two
    levels below / (such as /var/crash). Folders inside another one listed are left out."""
    found = {"/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue"}
    for top in _subfolders("/"):
        if top in ("/proc", "/sys"):
            continue
        found.update(f for f in [top, *_subfolders(top)] if _world_writable(f))
    found = {f for f in found if os.path.isdir(f) and not os.path.islink(f)}
    return sorted(f for f in found if not any(f.startswith(other + "/") for other in found))


def _subfolders(folder: str) -> list[str]:
    try:
        return [e.path for e in os.scandir(folder) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _world_writable(folder: str) -> bool:
    try:
        return bool(os.lstat(folder).st_mode & 0o002)
    except OSError:
        return False


# --- Landlock -------------------------------------------------------------------------------------

LANDLOCK_CREATE, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT = 444, 445, 446  # the same number on every arch
READ = 1 << 0 | 1 << 2 | 1 << 3  # execute, read a file, read a folder


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when it has none (or FORWARDLAB_NO_LANDLOCK is set)."""
    if os.environ.get("FORWARDLAB_NO_LANDLOCK"):
        return 0
    version = _libc.syscall(LANDLOCK_CREATE, None, 0, 1)  # LANDLOCK_CREATE_RULESET_VERSION
    return max(0, version)


def _file_rights(abi: int) -> int:
    """What a rule on a file (not a folder) may grant: execute, write, read; truncate; device ioctls."""
    return 1 << 0 | 1 << 1 | 1 << 2 | (1 << 14 if abi >= 3 else 0) | (1 << 15 if abi >= 5 else 0)


def _write_rights(abi: int) -> int:
    rights = sum(1 << bit for bit in range(1, 13) if bit not in (2, 3))  # write, remove, make anything
    return rights | (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0) | (1 << 15 if abi >= 5 else 0)


def hidden_paths(grader: list[str], folder: str, needed: list[str], others: bool) -> list[str]:
    """What a job's code must not read: the `grader`'s folders (plans, cache, store, every job's folder),
    the folder holding the submission's `folder` (other students' files) and, when the child runs as a
    uid of its own (`others`), the private folders on the way to the folders it `needed` (the import
    path): a bridge's `..` leads there."""
    hidden = list(grader)
    above = Path(folder).parent
    if above != Path(above.anchor):
        hidden.append(str(above))
    if others:
        hidden += [blocked for path in [folder, *needed] for blocked in blocked_on_way(path)]
    return sorted(set(hidden))


@functools.lru_cache(maxsize=32)
def read_rules(hidden: tuple[str, ...], readable: tuple[str, ...]) -> tuple[str, ...]:
    """The paths to grant reading below: everything but `hidden`, plus the `readable` folders (or
    /proc/self/fd routes) less what is hidden inside them. Computed in the zygote, once per distinct
    question (a batch asks the same one for every file of a folder): the file system changes little."""
    return (*everything_but(list(hidden)), *(p for root in readable for p in everything_but(list(hidden), root)))


def restrict_files(abi: int, readable: list[str], writable: list[str]) -> None:
    """Landlock: read only below `readable` (see read_rules), write only below `writable` (and /dev/null);
    with ABI 6, signal only our own processes. Needs no_new_privs. Paths that do not exist are skipped."""
    write = _write_rights(abi)
    scoped = 3 if abi >= 6 else 0  # abstract unix sockets and signals stay inside our own processes
    attr = struct.pack("=QQQ", READ | write, 0, scoped)[:24 if abi >= 6 else 16 if abi >= 4 else 8]
    ruleset = _libc.syscall(LANDLOCK_CREATE, ctypes.c_char_p(attr), len(attr), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        for target in readable:
            _allow(ruleset, target, READ, abi)
        for target in writable:
            _allow(ruleset, target, READ | write, abi)
        _allow(ruleset, os.devnull, _file_rights(abi), abi)
        _check(_libc.syscall(LANDLOCK_RESTRICT, ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)


def _allow(ruleset: int, target: str, rights: int, abi: int) -> None:
    """A rule granting `rights` below `target` (skipped when it does not exist)."""
    try:
        fd = os.open(target, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(f"/proc/self/fd/{fd}"):
            rights &= _file_rights(abi)
        attr = struct.pack("=Qi", rights, fd)
        _check(_libc.syscall(LANDLOCK_ADD_RULE, ruleset, 1, ctypes.c_char_p(attr), 0), f"landlock rule {target}")
    finally:
        os.close(fd)


def everything_but(hidden: list[str], root: str = "/") -> list[str]:
    """Paths whose trees together hold everything below `root` except the `hidden` paths and what lies
    below them: the other entries of every folder on the way from `root` to a hidden path. A link
    counts where it leads."""
    top = os.path.realpath(root)
    hidden = sorted({real for real in map(os.path.realpath, hidden) if os.path.lexists(real) and _within(real, top)})
    if top in hidden:
        return []
    if not hidden:
        return [root]
    out: list[str] = []
    todo = [root]
    while todo:
        folder = todo.pop()
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            real = os.path.realpath(path)
            if any(_within(h, real) for h in hidden):
                if not os.path.islink(path) and real not in hidden:
                    todo.append(path)  # a folder on the way to a hidden one: look inside
            elif not any(_within(real, h) for h in hidden):
                out.append(path)
    return out


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


# --- seccomp --------------------------------------------------------------------------------------

class _Arch(NamedTuple):
    audit: int  # AUDIT_ARCH_*
    targeted: dict[str, int]  # calls allowed only on ourselves (their first argument): name -> number
    refused: tuple[int, ...]  # calls refused always
    fcntl: int
    ioctl: int
    clone: int
    clone3: int


# refused: tkill, ptrace, process_vm_readv, process_vm_writev, kcmp, rt_sigqueueinfo, rt_tgsigqueueinfo,
# perf_event_open, migrate_pages, move_pages, pidfd_send_signal, pidfd_getfd, process_madvise, setpriority,
# ioprio_set, unshare, setns
_ARCHS = {
    "x86_64": _Arch(0xC000003E, dict(kill=62, tgkill=234, prlimit64=302, sched_setaffinity=203,
                                     sched_setscheduler=144, sched_setparam=142, sched_setattr=314),
                    (200, 101, 310, 311, 312, 129, 297, 298, 256, 279, 424, 438, 440, 141, 251, 272, 308),
                    72, 16, 56, 435),
    "aarch64": _Arch(0xC00000B7, dict(kill=129, tgkill=131, prlimit64=261, sched_setaffinity=122,
                                      sched_setscheduler=119, sched_setparam=118, sched_setattr=274),
                     (130, 117, 270, 271, 272, 138, 240, 241, 238, 239, 424, 438, 440, 140, 30, 97, 268),
                     25, 29, 220, 435),
}
_OWNER_COMMANDS = (8, 10, 15)  # fcntl F_SETOWN, F_SETSIG, F_SETOWN_EX: a signal to a process of our choice
_OWNER_IOCTLS = (0x8901, 0x8902)  # FIOSETOWN, SIOCSPGRP
_NEW_NAMESPACES = 0x7E020080  # CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
EPERM, ENOSYS = 1, 38


def seccomp_supported() -> bool:
    return platform.machine() in _ARCHS


def restrict_calls(pid: int) -> None:
    """seccomp: the calls that act on a process fail with EPERM unless they name this process (`pid`),
    its process group (`-pid`, after setsid) or 0 (ourselves); tracing or reading another process,
    signalling it by any other way, and making new namespaces (an unbounded tmpfs of one's own) fail
    always. Needs no_new_privs."""
    arch = _ARCHS[platform.machine()]
    allow, deny = 0x7FFF0000, 0x00050000 | EPERM
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    program: list[tuple[int, int, int, int]] = []

    def op(code: int, k: int, jt: int = 0, jf: int = 0) -> None:
        program.append((code, jt, jf, k))

    def when(nr: int, body: list[tuple[int, int, int, int]]) -> None:
        """`body` (which must end in a return) runs for call `nr`; the call number stays loaded otherwise."""
        op(jeq, nr, 0, len(body))
        program.extend(body)

    def refuse_if(arg: int, values: tuple[int, ...], otherwise: int) -> list[tuple[int, int, int, int]]:
        body = [(ld, 0, 0, 16 + 8 * arg)]  # the low 32 bits of the argument
        for value in values:
            body += [(jeq, 0, 1, value), (ret, 0, 0, deny)]
        return [*body, (ret, 0, 0, otherwise)]

    op(ld, 4)
    op(jeq, arch.audit, 1, 0)
    op(ret, deny)  # a foreign ABI (i386 on x86-64): nothing
    op(ld, 0)
    if platform.machine() == "x86_64":
        op(jge, 0x40000000, 0, 1)  # the x32 ABI
        op(ret, deny)
    for nr in arch.refused:
        when(nr, [(ret, 0, 0, deny)])
    when(arch.clone3, [(ret, 0, 0, 0x00050000 | ENOSYS)])  # flags out of reach: libc falls back to clone
    when(arch.clone, [(ld, 0, 0, 16), (jset, 0, 1, _NEW_NAMESPACES), (ret, 0, 0, deny), (ret, 0, 0, allow)])
    ours = (0, pid & 0xFFFFFFFF, -pid & 0xFFFFFFFF)
    for nr in arch.targeted.values():  # a jump to "allow" for each of our ids, else "deny"
        when(nr, [(ld, 0, 0, 16), *[(jeq, len(ours) - i, 0, value) for i, value in enumerate(ours)],
                  (ret, 0, 0, deny), (ret, 0, 0, allow)])
    when(arch.fcntl, refuse_if(1, _OWNER_COMMANDS, allow))
    when(arch.ioctl, refuse_if(1, _OWNER_IOCTLS, allow))
    op(ret, allow)
    filters = b"".join(struct.pack("=HBBI", *ins) for ins in program)
    buffer = ctypes.create_string_buffer(filters, len(filters))
    fprog = struct.pack("@HP", len(program), ctypes.addressof(buffer))
    _check(_libc.prctl(22, 2, ctypes.c_char_p(fprog), 0, 0), "seccomp")  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER


# --- what this machine allows ---------------------------------------------------------------------

def probe(shared: list[str]) -> dict:
    """What the kernel lets a child use here: {"namespaces": bool, "landlock": ABI, "seccomp": bool}.
    Namespaces are tried for real, in a throw-away process."""
    return {"namespaces": _namespaces_work(shared), "landlock": landlock_abi(), "seccomp": seccomp_supported()}


def _namespaces_work(shared: list[str]) -> bool:
    if os.environ.get("FORWARDLAB_NO_NAMESPACES"):
        return False
    pid = os.fork()
    if pid == 0:
        code = 1
        with contextlib.suppress(BaseException):
            private_mounts(shared, 2**20, 64, None)
            code = 0
        os._exit(code)
    return os.waitpid(pid, 0)[1] == 0
