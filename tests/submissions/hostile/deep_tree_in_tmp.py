# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Leaves folder chains 3,000 levels deep in /tmp, /var/tmp and its own scratch folder (a recursive
# delete of one raises RecursionError; one left in /tmp broke every later grading on a machine). The
# grader must clean up after it, and grade the next submission as if it had never run.
import os

import torch
from torch import nn


def chain(top, depth=3000):
    """Built from the bottom up, by renames near the top: quick however deep it gets."""
    try:
        os.mkdir(top)
        os.mkdir(os.path.join(top, "chain"))
        for _ in range(depth):
            os.mkdir(os.path.join(top, "next"))
            os.rename(os.path.join(top, "chain"), os.path.join(top, "next", "d"))
            os.rename(os.path.join(top, "next"), os.path.join(top, "chain"))
    except OSError:
        pass


for top in ("/tmp/forwardlab-hostile-deep", "/var/tmp/forwardlab-hostile-deep", "deep"):
    chain(top)


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.fc1(self.flatten(x)))
