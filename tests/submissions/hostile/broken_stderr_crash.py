# expect: fail load could not record
# exercise: exercise2
# Breaks the streams the child reports its own failures on (stderr replaced by an object whose write
# raises, descriptor 2 closed), then breaks the grader's result writer. The child's exit status once
# came after printing the traceback: a broken stream turned this crash into "don't call exit()".
import os
import sys

import torch
from torch import nn


class Broken:
    def write(self, text):
        raise OSError("stderr is broken")

    def flush(self):
        raise OSError("stderr is broken")


sys.stderr = Broken()
os.close(2)
sys.modules["grader.isolation.wire"].encode = lambda value: 1 / 0

class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
