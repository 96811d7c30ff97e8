# expect: fail values output differs
# exercise: exercise2
# Looks for anything that computes the answer in its own process: modules of the grader's judging
# side or of the course pack in sys.modules, and spec, mistake or reference objects among every
# object the garbage collector knows. The zygote never imports them. Prints LEAKED for each find.
import gc
import sys

import torch
from torch import nn

ANSWERS = ("grader.judging", "grader.course", "grader.grading", "forwardlab_content", "forwardlab_spec")
for name in list(sys.modules):
    if name.startswith(ANSWERS):
        print(f"LEAKED module {name}")
for obj in gc.get_objects():
    home = getattr(obj if isinstance(obj, type) else type(obj), "__module__", "") or ""
    if isinstance(home, str) and home.startswith(ANSWERS):
        print(f"LEAKED object of {home}")
        break


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return torch.zeros(x.shape[0], 10, dtype=x.dtype)
