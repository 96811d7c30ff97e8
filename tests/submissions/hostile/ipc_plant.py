# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Leaves objects behind for the next job to read (ipc_read.py, graded after it): a System V shared
# memory segment of 2 GiB (it would hold host memory after every process ended), a semaphore set, a
# message queue, a POSIX message queue, and files in /dev/shm, /run/lock, /var/tmp and /tmp. Each
# job has its own IPC namespace and temporary folders where the kernel allows it, and a uid of its
# own as root, whose objects and files are removed when the job ends.
import ctypes
import os

import torch
from torch import nn

libc = ctypes.CDLL(None, use_errno=True)
librt = ctypes.CDLL("librt.so.1", use_errno=True)
KEY = 0x464C4142  # "FLAB"
IPC_CREAT, IPC_EXCL, O_CREAT, O_RDWR = 0o1000, 0o2000, 0o100, 0o2
FILES = ("/dev/shm/forwardlab-hostile-ipc", "/run/lock/forwardlab-hostile-ipc", "/var/tmp/forwardlab-hostile-ipc",
         "/tmp/forwardlab-hostile-ipc")

libc.shmget(KEY, 2**31, IPC_CREAT | 0o666)
libc.semget(KEY, 4, IPC_CREAT | 0o666)
libc.msgget(KEY, IPC_CREAT | 0o666)
librt.mq_open(b"/forwardlab-hostile-ipc", O_CREAT | O_RDWR, 0o666, None)
for path in FILES:
    try:
        with open(path, "w") as f:
            f.write("left for the next job")
        os.chmod(path, 0o666)
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
        return self.fc2(self.fc1(self.flatten(x)))
