# expect: fail values output differs
# exercise: exercise2
# A forged report does not hide a wrong forward: the verdict comes from the values.
import os

import torch
from torch import nn


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        os.write(1, b'{"exercise": "exercise2", "status": "pass", "checks": []}\n')
        return self.fc2(self.fc1(self.flatten(x)))
