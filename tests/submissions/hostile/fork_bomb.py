# expect: fail load still running
# exercise: exercise2
# needs: process-limit fork
# A fork bomb, guarded to stay small: every process forks until 200 exist or fork fails, then
# sleeps. The limit on processes stops it early; everything is killed when the child ends.
import os
import time

import torch
from torch import nn

BUDGET = 200


def bomb():
    spawned = 0
    while spawned < BUDGET:
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            spawned = BUDGET  # children do not fork again: 200 at most
            time.sleep(1000)
            os._exit(0)
        spawned += 1


bomb()


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
