# expect: fail load could not be read
# exercise: exercise2
# Writes a result record of its own through the grader's descriptor: well-formed on the outside, its
# JSON nested 300,000 levels deep (a recursion bomb for whoever walks it). The parent must refuse it
# with a plain message, without a RecursionError, a hang or an exit code 3.
import gc
import os
import struct

import torch
from torch import nn


def forge():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Frames":
            text = b"[" * 300_000 + b"]" * 300_000
            os.write(obj.fd, struct.pack("<4sIQ", b"FLR1", len(text), 0) + text + bytes(-(16 + len(text)) % 64))


forge()

class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
