# expect: fail values different outputs for the same input
# Keeps a call counter and drifts with it: every call on the same input answers differently.
from torch import nn


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return self.fc2(self.relu(self.fc1(self.flatten(x)))) * (1 + self.calls / 1000)
