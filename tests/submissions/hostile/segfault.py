# expect: fail load SIGSEGV
# exercise: exercise2
# Reads address 0 through ctypes.
import ctypes
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
        ctypes.string_at(0)
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
