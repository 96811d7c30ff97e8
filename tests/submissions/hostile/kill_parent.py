# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Tries to kill its parent (the zygote), the grading process above it and every other process it
# can see, then returns a wrong answer. Prints LEAKED for each kill that worked.
import os
import signal

import torch
from torch import nn


def attack():
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me:
            try:
                os.kill(int(entry), 0)  # permission check only: nothing is sent
                print(f"LEAKED could signal {entry}")
            except OSError:
                pass
    for pid in (os.getppid(), 1):
        try:
            os.kill(pid, signal.SIGKILL)
            print(f"LEAKED killed {pid}")
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
