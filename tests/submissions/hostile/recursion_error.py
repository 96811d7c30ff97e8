# expect: fail shape RecursionError
# exercise: exercise2
# Plain unbounded recursion: Python's own limit stops it.
import torch
from torch import nn


def dive(n):
    return dive(n + 1) + 1


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
