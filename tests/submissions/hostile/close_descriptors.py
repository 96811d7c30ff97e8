# expect: fail values output differs
# exercise: exercise2
# Closes or redirects every descriptor it has (stdin, stdout, stderr included), at import and in
# forward; the grader must still get its results.
import os
import torch
from torch import nn

os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
os.closerange(0, 3)


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        os.closerange(0, 4096)
        return self.fc2(self.fc1(self.flatten(x)))
