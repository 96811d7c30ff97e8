# expect: fail load not one the grader wrote
# exercise: exercise2
# Makes the grader's own result writer add an object that runs a command when unpickled: results
# cross as JSON and raw tensor bytes (grader.isolation.wire), so nothing is ever unpickled; the
# object arrives as a type name in a field no frame has, and the frame is refused.
import gc
import os

import torch
from torch import nn


class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/forwardlab-hostile-pwned",))


def poison():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Frames":
            write = type(obj).write
            type(obj).write = lambda self, frame: write(self, {**frame, "payload": Payload()})
            return


poison()


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
