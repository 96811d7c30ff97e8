"""The pieces of the process boundary on their own: removing any tree, a uid of its own per job and what
clearing it removes, reading a submission as its learner could, the Landlock rule set, and the fallback
where the kernel offers no namespaces and no Landlock (the uid's files and IPC objects are removed after
each job instead). The whole boundary under attack: tests/test_hostile.py."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, expectation

from grader.isolation import jail
from grader.isolation.submission import MAX_SOURCE, SubmissionError, read_submission
from grader.isolation.system import remove_tree
from grader.isolation.uids import CLEARED, UidPool, uid_lock_dir

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: uids of their own, files of others")
libc = ctypes.CDLL(None, use_errno=True)


@pytest.fixture
def fast_tmp() -> Iterator[Path]:
    """A folder on a memory file system where there is one: deleting 3,000 folders on a disk with
    discard enabled takes seconds."""
    folder = Path(tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def hostile_tree(top: Path) -> Path:
    """A 3,000-deep chain, folders without permissions, a read-only folder of files, links out, odd names."""
    fd = os.open(top, os.O_RDONLY)
    for _ in range(3000):
        os.mkdir("d", dir_fd=fd)
        below = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = below
    os.close(fd)
    (top / "locked" / "inner").mkdir(parents=True)
    (top / "locked" / "inner" / "file").write_text("x")
    (top / "locked" / "inner").chmod(0)
    (top / "locked").chmod(0)
    (top / "read-only").mkdir()
    (top / "read-only" / "file").write_text("x")
    (top / "read-only").chmod(0o500)
    (top / "outside").symlink_to(top.parent / "keep")
    open(os.path.join(os.fsencode(top), b"not-utf8-\xff"), "w").close()
    return top


def test_any_tree_is_removed_without_recursion_or_following_links(fast_tmp: Path) -> None:
    (fast_tmp / "keep").mkdir()
    (fast_tmp / "keep" / "precious").write_text("the link's target stays")
    tree = fast_tmp / "tree"
    tree.mkdir()
    assert remove_tree(hostile_tree(tree)) and not tree.exists()
    assert (fast_tmp / "keep" / "precious").read_text() == "the link's target stays"
    assert remove_tree(fast_tmp / "missing") and remove_tree(fast_tmp / "keep" / "precious")


@ROOT_ONLY
def test_its_owner_removes_a_tree_it_made_unreadable(fast_tmp: Path) -> None:
    """Not as root, folders the learner chmodded to 0 are opened up by their owner, then removed."""
    uid = 64999
    fast_tmp.chmod(0o777)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgid(uid)
            os.setuid(uid)
            tree = fast_tmp / "tree"
            tree.mkdir()
            code = 0 if remove_tree(hostile_tree(tree)) and not tree.exists() else 2
        finally:
            os._exit(code)
    assert os.waitpid(pid, 0)[1] == 0


def as_uid(uid: int, action) -> None:
    """Run `action` in a child process as `uid`."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            action()
            code = 0
        finally:
            os._exit(code)
    assert os.waitpid(pid, 0)[1] == 0


def leave_things(tmp: Path) -> None:
    """What a job may leave: files in shared folders (also inside a world-writable folder of someone
    else's), System V IPC objects."""
    (tmp / "theirs" / "mine").mkdir()
    Path("/dev/shm/forwardlab-test-left").write_text("x")
    (tmp / "left").write_text("x")
    assert libc.shmget(0x464C5401, 4096, 0o1000 | 0o600) >= 0
    assert libc.semget(0x464C5402, 1, 0o1000 | 0o600) >= 0
    assert libc.msgget(0x464C5403, 0o1000 | 0o600) >= 0


@ROOT_ONLY
def test_a_uid_is_cleared_before_it_is_used_again(fast_tmp: Path) -> None:
    shared = [str(fast_tmp), "/dev/shm"]
    (fast_tmp / "theirs").mkdir(mode=0o1777)
    (fast_tmp / "theirs").chmod(0o1777)
    fast_tmp.chmod(0o1777)
    pool = UidPool(shared)
    assert pool.usable
    uid = pool.claim()
    assert uid is not None
    as_uid(uid, lambda: leave_things(fast_tmp))
    assert pool.clear(uid)  # removes it all, then finds nothing left
    as_uid(uid, lambda: leave_things(fast_tmp))
    pool.release(uid)
    assert not list(fast_tmp.rglob("*mine*")) and not (fast_tmp / "left").exists()
    assert not Path("/dev/shm/forwardlab-test-left").exists()
    assert all(str(uid) not in Path(f"/proc/sysvipc/{kind}").read_text().split() for kind in ("shm", "sem", "msg"))
    assert (uid_lock_dir() / f"{uid}.lock").read_bytes() == CLEARED


@ROOT_ONLY
def test_a_uid_left_by_a_zygote_that_died_is_cleared_when_claimed(fast_tmp: Path) -> None:
    fast_tmp.chmod(0o1777)
    (fast_tmp / "theirs").mkdir(mode=0o1777)
    (fast_tmp / "theirs").chmod(0o1777)
    first = UidPool([str(fast_tmp), "/dev/shm"])
    uid = first.claim()
    as_uid(uid, lambda: leave_things(fast_tmp))
    os.close(first._held.pop(uid))  # the zygote died: its lock is gone, the uid's things are not
    second = UidPool([str(fast_tmp), "/dev/shm"])
    second._next = uid - 65000
    assert second.claim() == uid
    assert not (fast_tmp / "left").exists() and not Path("/dev/shm/forwardlab-test-left").exists()
    second.release(uid)


def test_a_submission_is_read_as_its_learner_could(tmp_path: Path) -> None:
    folder = tmp_path / "students" / "alice"
    folder.mkdir(parents=True)
    (folder / "v2.py").write_text("x = 1\n")
    (folder / "exercise2.py").symlink_to("v2.py")
    assert read_submission(folder / "exercise2.py") == (folder / "v2.py", b"x = 1\n")
    os.mkfifo(folder / "pipe.py")
    with pytest.raises(SubmissionError, match="not a regular file"):
        read_submission(folder / "pipe.py")
    (folder / "big.py").write_bytes(b"#" * (MAX_SOURCE + 1))
    with pytest.raises(SubmissionError, match="larger than"):
        read_submission(folder / "big.py")
    (folder / "gone.py").symlink_to("nowhere.py")
    with pytest.raises(SubmissionError, match="cannot be read"):
        read_submission(folder / "gone.py")


@ROOT_ONLY
def test_as_root_a_link_to_a_private_file_is_not_followed(fast_tmp: Path) -> None:
    tmp_path = fast_tmp  # every folder on the way may be entered by anyone
    tmp_path.chmod(0o755)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "answers.py").write_text("the answer key\n")
    public = tmp_path / "public.py"
    public.write_text("anyone may read this\n")
    public.chmod(0o644)
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "exercise2.py").symlink_to(private / "answers.py")
    (folder / "exercise3.py").symlink_to(public)
    with pytest.raises(SubmissionError, match="does not follow"):
        read_submission(folder / "exercise2.py")
    (folder / "linked").symlink_to("../private")  # a linked folder on the way is no way round
    with pytest.raises(SubmissionError, match="does not follow"):
        read_submission(folder / "linked" / "answers.py")
    assert read_submission(folder / "exercise3.py")[1] == b"anyone may read this\n"


def test_the_read_rules_cover_everything_but_the_hidden_folders(tmp_path: Path) -> None:
    (tmp_path / "a" / "hidden" / "deep").mkdir(parents=True)
    (tmp_path / "a" / "open").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "into-hidden").symlink_to(tmp_path / "a" / "hidden" / "deep")
    (tmp_path / "c").symlink_to(tmp_path / "a")  # above the hidden folder: not granted whole
    rules = jail.everything_but([str(tmp_path / "a" / "hidden")], str(tmp_path))
    assert sorted(rules) == sorted(str(tmp_path / p) for p in ("a/open", "b/into-hidden", "b")) or \
        (str(tmp_path / "a" / "open") in rules and str(tmp_path / "a") not in rules and str(tmp_path / "c") not in rules
         and str(tmp_path / "b" / "into-hidden") not in rules)
    assert jail.everything_but([], str(tmp_path)) == [str(tmp_path)]
    assert jail.everything_but([str(tmp_path)], str(tmp_path)) == []


FALLBACK = ("ipc_plant.py", "ipc_read.py", "write_outside_scratch.py", "deep_tree_unremovable.py",
            "results_fifo.py", "sigstop_everything.py", "read_reference_cache.py")


@ROOT_ONLY
def test_without_namespaces_or_landlock_a_jobs_uid_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the kernel offers neither (a container without CAP_SYS_ADMIN, an old kernel), each job's
    fresh uid is what keeps jobs apart: its files in the shared folders and its IPC objects are removed
    when the job ends, so the next job (ipc_read.py after ipc_plant.py) finds nothing."""
    from grader.grading import Grader
    from grader.isolation.protocol import Limits

    monkeypatch.setenv("FORWARDLAB_NO_NAMESPACES", "1")
    monkeypatch.setenv("FORWARDLAB_NO_LANDLOCK", "1")
    files = [SUBMISSIONS / "hostile" / name for name in FALLBACK]
    with Grader(limits=Limits(wall_s=6.0, cpu_s=4.0, memory_mb=512)) as grader:
        reports = grader.check("exercise2", files)
        zygote = grader.zygotes[0]
        assert zygote.jail["namespaces"] is False and zygote.jail["landlock"] == 0
        uids = zygote.job_uids
        assert len(uids) == len(files)  # a fresh uid for every job
    for path, report in zip(files, reports, strict=True):
        _, category, fragment = expectation(path)
        first = report.first_failure
        assert first.category == category and fragment in first.message, (path.name, first)
        assert "LEAKED" not in report.output, (path.name, report.output)
    shared = jail.shared_folders()
    left = [e.path for folder in shared for e in os.scandir(folder) if e.stat(follow_symlinks=False).st_uid in uids]
    assert left == []
    ipc = " ".join(Path(f"/proc/sysvipc/{kind}").read_text() for kind in ("shm", "sem", "msg")).split()
    assert not any(str(uid) in ipc for uid in uids)


def test_rerouting_passes_over_a_module_that_refuses_a_new_file(tmp_path: Path, monkeypatch) -> None:
    """An import path under a folder out of reach (a virtual environment in /tmp, under the child's private
    /tmp) is rerouted through a bridge; a module that refuses to have its __file__ set (torch's config
    modules) keeps its own, and the rest are rerouted."""
    import sys
    import types

    from grader.isolation import child

    class Strict(types.ModuleType):
        def __setattr__(self, name: str, value: object) -> None:
            raise AttributeError(f"{self.__name__}.{name} does not exist")

    strict, plain = Strict("forwardlab_test_strict"), types.ModuleType("forwardlab_test_plain")
    object.__setattr__(strict, "__file__", str(tmp_path / "strict.py"))
    plain.__file__ = str(tmp_path / "plain.py")
    monkeypatch.setitem(sys.modules, strict.__name__, strict)
    monkeypatch.setitem(sys.modules, plain.__name__, plain)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(child, "_ROUTES", [])
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        child.reroute({str(tmp_path): fd})
    finally:
        os.close(fd)
    assert plain.__file__ == f"/proc/self/fd/{fd}/plain.py"
    assert strict.__file__ == str(tmp_path / "strict.py")


def test_a_memory_error_is_the_first_cause_even_when_the_clock_ran_out() -> None:
    """Filling memory up to the limit can take the whole wall clock on a loaded machine: the learner is
    told about the memory, the first cause, not about an endless loop."""
    from grader.isolation.failure import child_failure
    from grader.isolation.protocol import ChildOutcome, Limits

    load = {"kind": "load", "config": "default", "failed_at": "import",
            "error": "MemoryError at line 9, in <module>: HOARD.append(bytearray(50 * 2**20))"}
    outcome = ChildOutcome(frames=[load], status=9, timed_out=True)
    _, limit = child_failure(Limits(memory_mb=300, wall_s=4), outcome, {})
    assert limit is not None and "memory limit of 300 MB" in limit
    _, limit = child_failure(Limits(memory_mb=300, wall_s=4), ChildOutcome(status=9, timed_out=True), {})
    assert limit is not None and "time limit of 4 s" in limit
