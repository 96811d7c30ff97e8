# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Fills every shared writable place it can reach (/tmp, /var/tmp, /dev/shm, /run/lock, its scratch
# folder) with bytes (up to 3 GB) and with empty files (up to 200,000): once made three correct
# submissions graded beside it fail as "exited early". Each job has its own bounded space; the
# correct submissions graded after this one must pass.
import os

import torch
from torch import nn

block = b"x" * 2**20
for top in (".", "/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
    written = 0
    try:
        with open(os.path.join(top, "forwardlab-hostile-fill"), "wb") as f:
            while written < 3 * 2**30:
                written += f.write(block)
    except OSError:
        pass
    try:
        os.mkdir(os.path.join(top, "forwardlab-hostile-inodes"))
        for i in range(200_000):
            open(os.path.join(top, "forwardlab-hostile-inodes", str(i)), "w").close()
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
