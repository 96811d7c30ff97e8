# expect: fail values output differs
# exercise: exercise2
# Objects whose __del__ (and an atexit handler) print PASS when the process ends.
import atexit
import torch
from torch import nn


class Forger:
    def __del__(self):
        print("PASS")


KEEP = Forger()
atexit.register(print, "All checks passed!")


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.fc1(self.flatten(x)))
