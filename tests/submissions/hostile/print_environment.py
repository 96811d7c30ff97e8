# expect: fail values output differs
# exercise: exercise2
# Prints every environment it can find (its own, its ancestors', /proc/1's): the caller's secrets
# (CI tokens and the like) must not be among them.
import os

import torch
from torch import nn

print(dict(os.environ))
for pid in ("self", os.getppid(), 1):
    try:
        print(open(f"/proc/{pid}/environ", "rb").read().replace(b"\0", b"\n").decode(errors="replace"))
    except OSError as err:
        print(f"no environ for {pid}: {err}")


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.fc1(self.flatten(x)))
