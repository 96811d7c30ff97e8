"""An unprivileged learner for the tests that must run the grader as one (tests/test_hostile.py).

As root (as in CI), `Learner.make` picks a uid that no account and no process uses, a Python it can
run (the tests' own interpreter if that uid may execute it, else a system python3 of the same
version: the tests' may live in a private folder such as /root/.pyenv), and makes it a virtual
environment whose .pth file adds what the tests import: this repository's source and the site folders
holding the installed packages (their own .pth files, an editable install's included). Folders it
cannot read (a clone under /root) are offered to it as a tree of hard links in a temporary folder,
which needs them on the same file system; where no way works, the test is skipped with the reason.
Not as root, the learner is simply the current user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import grader
from grader.isolation.jail import shared_folders
from grader.isolation.system import remove_tree
from grader.isolation.uids import SANDBOX_UIDS

ROOT = Path(grader.__file__).resolve().parent.parent
LEARNER_UIDS = range(64000, 64500)  # no account should hold these; not the grader's own (SANDBOX_UIDS)
NEEDED = "import torch, torchvision, grader, rich, pydantic, yaml, platformdirs"


@dataclass
class Learner:
    uid: int
    python: str
    home: Path  # the learner's own folder (HOME, data, the files it grades)
    env: dict[str, str] = field(default_factory=dict)
    views: list[Path] = field(default_factory=list)  # trees of hard links made for it (see readable)

    @classmethod
    def current(cls) -> Learner:
        home = Path(tempfile.mkdtemp(prefix="forwardlab-learner-"))
        return cls(os.getuid(), sys.executable, home, dict(os.environ))

    @classmethod
    def make(cls) -> Learner:
        """A new unprivileged learner (root only); pytest.skip with the reason where none can be made."""
        uid = next((u for u in LEARNER_UIDS if _unused(u)), None)
        if uid is None:
            pytest.skip("no free uid for an unprivileged learner in 64000-64499")
        home = Path(tempfile.mkdtemp(prefix="forwardlab-learner-"))
        home.chmod(0o755)
        os.chown(home, uid, uid)
        env = {"HOME": str(home), "USER": "learner", "LOGNAME": "learner", "PATH": "/usr/bin:/bin",
               "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
        learner = cls(uid, "", home, env)
        try:
            lines = [str(learner.readable(ROOT))]
            lines += [f"import site; site.addsitedir({str(learner.readable(p))!r})" for p in _site_folders()]
            if not any(learner.venv(python, lines) for python in _pythons()):
                pytest.skip(f"uid {uid} can run no Python {sys.version_info.major}.{sys.version_info.minor} "
                            f"that imports the grader and torch from {lines}")
        except BaseException:  # a skip, or a failure: nothing of it stays in /tmp
            learner.remove()
            raise
        return learner

    def venv(self, python: str, lines: list[str]) -> bool:
        """Whether `python` makes this learner a virtual environment (its own python, with `lines` as a
        .pth file) that imports what the tests need; `self.python` is then its interpreter."""
        venv = self.home / "venv"
        shutil.rmtree(venv, ignore_errors=True)
        try:
            if self.run([python, "-m", "venv", "--without-pip", str(venv)], timeout=300).returncode != 0:
                return False
        except OSError:  # it may not even run it
            return False
        site = next(venv.glob("lib/python*/site-packages"))
        (site / "forwardlab_tests.pth").write_text("\n".join(lines) + "\n")
        return self.can_import(str(venv / "bin" / "python"))

    def readable(self, folder: Path) -> Path:
        """`folder`, or a tree of hard links to it that this learner can read (same file system only)."""
        if self.run(["/bin/sh", "-c", f"test -r '{folder}' && test -x '{folder}'"]).returncode == 0:
            return folder
        view = Path(tempfile.mkdtemp(prefix="forwardlab-view-"))
        view.chmod(0o755)
        self.views.append(view)
        done = subprocess.run(["cp", "-al", str(folder), str(view / folder.name)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"{folder} is out of reach of an unprivileged user and cannot be offered to one as hard "
                        f"links ({done.stderr.strip()}): clone the repository where others may read it")
        subprocess.run(["chmod", "-R", "a+rX", str(view)], check=True)
        return view / folder.name

    def run(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        """`command` as this learner, in its home folder."""
        if self.uid == os.getuid():
            return subprocess.run(command, cwd=self.home, env=self.env, capture_output=True, **kwargs)
        return subprocess.run(command, cwd=self.home, env=self.env, capture_output=True, user=self.uid,
                              group=self.uid, extra_groups=[], umask=0o022, **kwargs)

    def can_import(self, python: str) -> bool:
        try:
            if self.run([python, "-c", NEEDED], timeout=300).returncode != 0:
                return False
        except OSError:  # a venv made by a copy of a private interpreter links back to it: the uid cannot run it
            return False
        self.python = python
        return True

    def remove(self) -> None:
        """Remove its home, the views made for it and, for a learner made for the tests, whatever it left in
        the shared folders."""
        for folder in [self.home, *self.views]:
            remove_tree(folder)
        if self.uid != os.getuid():
            for folder in shared_folders():
                with contextlib.suppress(OSError):
                    for entry in os.scandir(folder):
                        if entry.stat(follow_symlinks=False).st_uid == self.uid:
                            remove_tree(entry.path)

    def give(self, source: Path, name: str) -> Path:
        """A copy of the folder `source` in this learner's home, owned by it."""
        target = self.home / name
        shutil.copytree(source, target)
        if self.uid != os.getuid():
            for path in [target, *target.rglob("*")]:
                os.chown(path, self.uid, self.uid)
        return target


def _unused(uid: int) -> bool:
    import pwd

    try:
        pwd.getpwuid(uid)
        return False
    except KeyError:
        pass
    return uid not in SANDBOX_UIDS and not any(_runs_as(pid, uid) for pid in filter(str.isdigit, os.listdir("/proc")))


def _runs_as(pid: str, uid: int) -> bool:
    try:
        return f"\t{uid}\t" in Path(f"/proc/{pid}/status").read_text().split("Uid:", 1)[1].split("\n", 1)[0]
    except (OSError, IndexError):
        return False


def _site_folders() -> list[Path]:
    """Every folder of installed packages on the tests' import path."""
    return list(dict.fromkeys(Path(p) for p in sys.path if p.endswith(("site-packages", "dist-packages"))
                              and Path(p).is_dir()))


def _pythons() -> list[str]:
    """Interpreters of this Python's version: this one first (when another uid may run it)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = [sys.executable, os.path.realpath(sys.executable), getattr(sys, "_base_executable", ""),
             shutil.which(version, path="/usr/local/bin:/usr/bin:/bin") or "",
             shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin") or ""]
    return [p for p in dict.fromkeys(found) if p]
