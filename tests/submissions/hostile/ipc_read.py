# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Graded after ipc_plant.py: prints LEAKED for every object or file that an earlier job left for it.
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

for name, found in (("shm", libc.shmget(KEY, 0, 0)), ("sem", libc.semget(KEY, 0, 0)), ("msg", libc.msgget(KEY, 0)),
                    ("mq", librt.mq_open(b"/forwardlab-hostile-ipc", O_RDWR))):
    if found >= 0:
        print(f"LEAKED {name} {found}")
for path in FILES:
    if os.path.exists(path):
        print(f"LEAKED {path}")

class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.fc1(self.flatten(x)))
