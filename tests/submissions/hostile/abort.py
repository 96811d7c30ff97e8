# expect: fail load SIGABRT
# exercise: exercise2
# needs: posix
# Calls abort() in forward.
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
        os.abort()
