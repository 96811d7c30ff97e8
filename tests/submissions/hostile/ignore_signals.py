# expect: fail time time limit
# exercise: exercise2
# Ignores every signal it may ignore (SIGTERM, SIGXCPU, SIGINT, SIGHUP, ...), then loops.
import signal
import torch
from torch import nn

for number in range(1, signal.NSIG):
    try:
        signal.signal(number, signal.SIG_IGN)
    except (OSError, ValueError):
        pass


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        while True:
            pass
