# expect: fail load still running
# exercise: exercise2
# needs: fork
# Forks once in forward; the forked copy sleeps instead of returning.
import os
import time

import torch
from torch import nn

FORKED = []


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        if not FORKED:
            pid = os.fork()
            if pid == 0:
                time.sleep(1000)
                os._exit(0)
            FORKED.append(pid)
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
