# expect: fail time output limit
# exercise: exercise2
# Floods stderr from four threads at once while forward waits.
import sys
import threading
import time
import torch
from torch import nn


def spam():
    while True:
        sys.stderr.write("noise " * 100 + "\n")


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        for _ in range(4):
            threading.Thread(target=spam, daemon=True).start()
        time.sleep(1000)
