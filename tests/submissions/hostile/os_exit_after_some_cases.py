# expect: fail load exited early
# exercise: exercise2
import os
import torch
from torch import nn

CALLS = [0]

class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        CALLS[0] += 1
        if CALLS[0] > 3:  # a few checks have passed by now: stop before the rest can fail
            os._exit(0)
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
