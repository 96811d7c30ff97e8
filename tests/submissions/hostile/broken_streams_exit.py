# expect: fail load could not record
# exercise: exercise2
# Removes both streams (sys.stdout and sys.stderr are None, descriptors 1 and 2 closed) and makes the
# grader's result writer raise SystemExit(0): the child must still end with the status that says the
# grader's own part failed, not 0.
import os
import sys

import torch
from torch import nn


def leave(self, *args, **kwargs):
    raise SystemExit(0)


sys.stdout = sys.stderr = None
os.close(1)
os.close(2)
sys.modules["grader.isolation.child"].Frames.flush = leave

class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
