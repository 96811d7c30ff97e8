# expect: fail load result
# exercise: exercise2
# Finds the descriptor its results go through, truncates what was written so far and writes bytes
# of its own, then returns a correct answer: the grader must notice that its results were changed.
import gc
import os

import torch
from torch import nn


def results_descriptor():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Frames":
            return obj.fd
    return None


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        fd = results_descriptor()
        if fd is not None:
            os.ftruncate(fd, 0)
            os.write(fd, b"PASS" * 64)
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
