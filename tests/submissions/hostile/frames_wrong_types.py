# expect: fail load not one the grader wrote
# exercise: exercise2
# Sends, through the grader's own writer, case observations shaped to crash or stall the judge: an id
# that is a list (unhashable), an error that is a 200-deep dict, 1,000 stages, a module-call count that
# is a string. Each breaks the schema of a case frame: the parent refuses the frame before any check
# sees it.
import gc

import torch
from torch import nn


def garble():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Frames":
            write = type(obj).write

            def forged(self, frame, *args, **kwargs):
                if frame.get("kind") == "case":
                    deep = {}
                    for _ in range(200):
                        deep = {"type": deep}
                    frame = {**frame, "id": [frame["id"]], "error": deep, "calls": {"fc1": "many"},
                             "stages": [{"kind": "module", "name": "fc1", "op": "Linear", "input_shapes": [],
                                         "output": 0}] * 1_000}
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
