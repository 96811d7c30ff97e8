"""What crosses the process boundary besides result frames: the limits a job runs under, what the
parent learns about how the child ended (ChildOutcome), and how files a child may have touched are
opened (`SAFE_OPEN`). Standard library only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

# with O_RDONLY or O_WRONLY: never through a link, never blocking on a FIFO, not inherited, as bytes
# (Windows would otherwise translate line ends); a flag the platform lacks (Windows: all but the last) is left out
SAFE_OPEN = (getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
             | getattr(os, "O_BINARY", 0))


@dataclass(frozen=True)
class Limits:
    wall_s: float = 20.0
    cpu_s: float = 40.0
    memory_mb: int = 2048
    output_bytes: int = 1_000_000
    open_files: int = 256
    processes: int = 64  # processes and threads at once, when the child runs as a uid of its own
    disk_mb: int = 64  # the private scratch space (and /tmp, /dev/shm, ...), where the kernel gives one
    inodes: int = 4096  # files and folders in it

    def to_wire(self) -> dict:
        return {"wall_s": self.wall_s, "cpu_s": self.cpu_s, "memory_mb": self.memory_mb,
                "open_files": self.open_files, "output_bytes": self.output_bytes, "processes": self.processes,
                "file_bytes": max(self.output_bytes * 4, 256 * 2**20), "disk_bytes": self.disk_mb * 2**20,
                "inodes": self.inodes}


@dataclass
class ChildOutcome:
    frames: list[dict] = field(default_factory=list)
    status: int | None = None  # raw wait status
    timed_out: bool = False
    output_exceeded: bool = False  # stopped by the zygote for printing more than the limit
    memory_exceeded: bool = False  # stopped by the worker for using more memory than the limit (portable, macOS)
    cpu_s: float = 0.0
    leftover: int = 0  # processes it started that were still running when it ended (then killed)
    maxrss_mb: float = 0.0
    wall_s: float = 0.0
    output: str = ""
    output_bytes: int = 0
    worker_lost: bool = False
    frame_error: str = ""

    # `status` is a POSIX wait status on every platform (the portable worker words Windows endings so):
    # decoded by hand, since os.WIFSIGNALED and friends do not exist on Windows
    @property
    def signal(self) -> int | None:
        low = self.status & 0x7F if self.status is not None else 0
        return low if low not in (0, 0x7F) else None

    @property
    def exit_code(self) -> int | None:
        return (self.status >> 8) & 0xFF if self.status is not None and self.status & 0x7F == 0 else None

    @property
    def finished(self) -> bool:
        return bool(self.frames) and self.frames[-1].get("kind") == "done"
