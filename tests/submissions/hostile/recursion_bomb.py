# expect: fail load SIGSEGV
# exercise: exercise2
# Lifts the recursion limit and recurses through a C function (map), so that every level also takes
# C stack: it overflows and the process dies of SIGSEGV.
import sys
import torch
from torch import nn

sys.setrecursionlimit(10**7)


def dive(n):
    return sum(map(dive, [n + 1]))


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        dive(0)
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
