# expect: fail time memory limit
# exercise: exercise2
# Appends 50 MB blocks to a list until memory runs out.
import torch
from torch import nn

HOARD = []


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        while True:
            HOARD.append(bytearray(50 * 2**20))
