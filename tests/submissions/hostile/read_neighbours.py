# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Looks for other students' files next to its own folder (a course tree students/alice/, students/bob/):
# through "..", through the descriptor the grader may have opened on its folder (/proc/self/fd/N/..),
# and by walking up from there. Prints LEAKED with every file of a neighbour it can read.
import os

import torch
from torch import nn


def look():
    here = os.path.dirname(os.path.abspath(__file__))
    tops = [os.path.join(here, ".."), os.path.join(here, "..", "..")]
    for fd in os.listdir("/proc/self/fd"):
        target = f"/proc/self/fd/{fd}"
        if os.path.isdir(target):
            tops += [os.path.join(target, ".."), os.path.join(target, "..", "..")]
    for top in tops:
        try:
            names = os.listdir(top)
        except OSError:
            continue
        for name in names:
            secret = os.path.join(top, name, "answer.py")
            try:
                with open(secret) as f:
                    if "neighbour" in f.read():
                        print(f"LEAKED {secret}")
            except OSError:
                pass


look()

class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.fc1(self.flatten(x)))
