# expect: fail time time limit
# exercise: exercise2
# Sleeps in forward: no CPU time used, only the wall clock can stop it.
import time
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
        time.sleep(1000)
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
