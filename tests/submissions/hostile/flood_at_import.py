# expect: fail load output limit
# exercise: exercise2
# Prints without end at import, straight to the descriptor.
import os
import torch
from torch import nn

while True:
    os.write(1, b"x" * 65536)


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
