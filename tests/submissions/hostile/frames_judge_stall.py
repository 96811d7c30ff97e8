# expect: fail values output differs
# exercise: exercise2
# A wrong forward whose observations are as large as the schema lets them be while the whole stays
# within the results budget: the most stages (each shaped like the output, so that every one is worth
# comparing with the reference's), 1,000 op names of 100 characters. The judge must still finish within
# the time limit (it bounds its own comparisons) and the parent's memory must stay within its budget.
import gc

import torch
from torch import nn


def inflate():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Frames":
            write = type(obj).write

            def forged(self, frame, *args, **kwargs):
                if frame.get("kind") == "case" and isinstance(frame.get("output"), torch.Tensor):
                    out = frame["output"]
                    stage = {"kind": "function", "name": "F.relu", "op": "relu", "input_shapes": [list(out.shape)]}
                    frame = {**frame, "ops": [f"op{i:04d}" + "x" * 95 for i in range(1_000)],
                             "stages": [{**stage, "output": out + i} for i in range(155)]}
                write(self, frame, *args, **kwargs)

            type(obj).write = forged
            return


inflate()

class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.fc1(self.flatten(x)))
