# expect: fail load not one the grader wrote
# exercise: exercise2
# Makes the grader's result writer send malformed results: a load report without its config, case
# observations whose fields have the wrong types. The parent checks every frame against its
# schema before anything uses it: the job fails, nothing crashes.
import gc

import torch
from torch import nn


def garble():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Frames":
            write = type(obj).write

            def forged(self, frame, *args, **kwargs):
                if frame.get("kind") == "load":
                    frame = {"kind": "load"}
                elif frame.get("kind") == "case":
                    frame = {"kind": "case", "id": frame.get("id"), "error": 5, "output": [1, "x"], "ops": 3}
                write(self, frame, *args, **kwargs)

            type(obj).write = forged
            return


garble()


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
