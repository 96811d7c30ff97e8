# expect: fail time time limit
# exercise: exercise2
# Replaces os._exit and sys.exit with endless loops so that the process can never end on its own.
import os
import sys
import torch
from torch import nn


def never(*args, **kwargs):
    while True:
        pass


os._exit = sys.exit = never


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
