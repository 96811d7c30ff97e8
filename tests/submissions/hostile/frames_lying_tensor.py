# expect: fail load could not be read
# exercise: exercise2
# Writes result records of its own whose tensors lie: a shape of 2**40 x 2**20 float64 over 64 bytes of
# data, then a tensor that re-uses the bytes of another. Believing the header would allocate 8 EB, or
# let one small blob stand for any number of huge tensors; the parent checks every size first.
import gc
import json
import os
import struct

import torch
from torch import nn


def record(tree, blob):
    text = json.dumps(tree).encode()
    head = struct.pack("<4sIQ", b"FLR1", len(text), len(blob)) + text
    return head + bytes(-len(head) % 64) + blob


def forge():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Frames":
            huge = {"x": ["float64", [2**40, 2**20], 0]}
            frame = {"d": [["kind", "case"], ["id", "x"], ["error", None], ["output", huge]]}
            os.write(obj.fd, record({"l": [frame]}, bytes(64)))


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
