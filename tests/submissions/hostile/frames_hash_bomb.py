# expect: fail load could not be read
# exercise: exercise2
# The old attack on pickled results: a case id made of a tuple that holds the same tuple twice, 100
# levels deep (hashing or printing it takes 2**100 steps). JSON shares nothing, so the forged record
# must spell every copy out: it writes as many as fit in a record, and the parent refuses to decode more
# values than any honest job delivers, before building or hashing anything.
import gc
import os
import struct

import torch
from torch import nn


def forge():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Frames":
            node = b"0"
            while len(node) < 1_500_000:
                node = b"{\"t\":[" + node + b"," + node + b"]}"
            text = b"{\"l\":[{\"d\":[[\"kind\",\"case\"],[\"id\"," + node + b"],[\"error\",null]]}]}"
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
