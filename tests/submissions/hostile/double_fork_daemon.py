# expect: fail load still running
# exercise: exercise2
# needs: fork
# The classic daemon: fork, setsid (a session and process group of its own), fork again, and the
# middle process exits, so the sleeper is orphaned outside the child's process group.
import os
import time

import torch
from torch import nn


def daemon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.closerange(0, 64)
            time.sleep(1000)
        os._exit(0)


daemon()


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
