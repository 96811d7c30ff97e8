"""Windows job objects through ctypes (portable isolation on Windows): limits for one job's processes,
and a way to end them all at once.

A job's child is put in a job object of its own before it reads its job. Every process it starts joins
the same job (breaking away is not allowed), so the kernel enforces, for each of them: user-mode CPU
time, committed memory, and the number of processes alive at once; a crash ends the process instead of
opening an error dialog; and closing the job's last handle (the supervisor ending, however it ends) kills
them all. `Job.end()` kills whatever is still running and says how many there were.

Only the standard library; everything that touches the Windows API runs on Windows only.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

LIMIT_PROCESS_TIME = 0x0002
LIMIT_ACTIVE_PROCESS = 0x0008
LIMIT_PROCESS_MEMORY = 0x0100
LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x0400
LIMIT_KILL_ON_JOB_CLOSE = 0x2000
BASIC_ACCOUNTING, EXTENDED_LIMITS = 1, 9  # JOBOBJECTINFOCLASS values
TICKS_PER_S = 10_000_000  # job times are in 100 ns units


class BasicLimits(ctypes.Structure):
    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64), ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", ctypes.c_uint32), ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t), ("ActiveProcessLimit", ctypes.c_uint32),
                ("Affinity", ctypes.c_size_t), ("PriorityClass", ctypes.c_uint32), ("SchedulingClass", ctypes.c_uint32)]


class IoCounters(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in ("ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
                                                      "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]


class ExtendedLimits(ctypes.Structure):
    _fields_ = [("BasicLimitInformation", BasicLimits), ("IoInfo", IoCounters),
                ("ProcessMemoryLimit", ctypes.c_size_t), ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t), ("PeakJobMemoryUsed", ctypes.c_size_t)]


class Accounting(ctypes.Structure):
    _fields_ = [("TotalUserTime", ctypes.c_int64), ("TotalKernelTime", ctypes.c_int64),
                ("ThisPeriodTotalUserTime", ctypes.c_int64), ("ThisPeriodTotalKernelTime", ctypes.c_int64),
                ("TotalPageFaultCount", ctypes.c_uint32), ("TotalProcesses", ctypes.c_uint32),
                ("ActiveProcesses", ctypes.c_uint32), ("TotalTerminatedProcesses", ctypes.c_uint32)]


def _kernel32() -> Any:
    """kernel32, with the error of its last call kept for ctypes.get_last_error (Windows only)."""
    if sys.platform != "win32":
        raise OSError("job objects exist on Windows only")
    dll = ctypes.WinDLL("kernel32", use_last_error=True)
    dll.CreateJobObjectW.restype = ctypes.c_void_p  # handles travel as c_void_p: 64-bit safe
    return dll


def _check(ok: bool) -> None:
    """Raise the Windows error of the last call when it failed."""
    if sys.platform == "win32" and not ok:
        raise ctypes.WinError(ctypes.get_last_error())


class Job:
    """One job object holding one job's processes (see the module docstring)."""

    def __init__(self, process_handle: int, cpu_s: float, memory_bytes: int, processes: int) -> None:
        self._kernel32 = _kernel32()
        self.handle = self._kernel32.CreateJobObjectW(None, None)
        _check(bool(self.handle))
        limits = ExtendedLimits()
        basic = limits.BasicLimitInformation
        basic.LimitFlags = (LIMIT_PROCESS_TIME | LIMIT_ACTIVE_PROCESS | LIMIT_PROCESS_MEMORY
                            | LIMIT_DIE_ON_UNHANDLED_EXCEPTION | LIMIT_KILL_ON_JOB_CLOSE)
        basic.PerProcessUserTimeLimit = int(cpu_s * TICKS_PER_S)
        basic.ActiveProcessLimit = processes
        limits.ProcessMemoryLimit = memory_bytes
        self._call("SetInformationJobObject", EXTENDED_LIMITS, ctypes.byref(limits), ctypes.sizeof(limits))
        self._call("AssignProcessToJobObject", ctypes.c_void_p(process_handle))

    def _call(self, name: str, *args: object) -> None:
        """kernel32's `name` on this job (its handle first), raising on failure."""
        _check(bool(getattr(self._kernel32, name)(ctypes.c_void_p(self.handle), *args)))

    def accounting(self) -> Accounting:
        info = Accounting()
        self._call("QueryInformationJobObject", BASIC_ACCOUNTING, ctypes.byref(info), ctypes.sizeof(info), None)
        return info

    def cpu_s(self) -> float:
        """CPU seconds used by all the job's processes so far."""
        info = self.accounting()
        return (info.TotalUserTime + info.TotalKernelTime) / TICKS_PER_S

    def end(self) -> int:
        """Kill every process still in the job; how many there were."""
        running = int(self.accounting().ActiveProcesses)
        if running:
            self._call("TerminateJobObject", 1)
        return running

    def close(self) -> None:
        if self.handle:
            self._kernel32.CloseHandle(ctypes.c_void_p(self.handle))
            self.handle = None
