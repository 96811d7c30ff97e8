# expect: fail time SIGKILL
# exercise: exercise2
# needs: posix
# Kills its own process group: the child dies by SIGKILL halfway through the checks.
import os
import signal

import torch
from torch import nn

CALLS = [0]


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        CALLS[0] += 1
        if CALLS[0] == 2:
            os.killpg(0, signal.SIGKILL)
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
