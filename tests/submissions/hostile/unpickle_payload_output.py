# expect: fail shape returned
# exercise: exercise2
# Returns an object that would run a command if the grader unpickled it.
import os
import torch
from torch import nn


class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/forwardlab-hostile-pwned",))


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return Payload()
