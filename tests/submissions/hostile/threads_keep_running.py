# expect: fail values output differs
# exercise: exercise2
# Starts threads that never end (one keeps working, one sleeps and would print PASS), then returns
# a wrong answer: the process still ends when the grader is done with it. The worker thread sleeps
# between bursts so that it cannot reach the CPU limit before the checks run (that would be a
# time failure instead: also a fail, but not the one this file is about).
import threading
import time
import torch
from torch import nn


STARTED = []


def burn():
    while True:
        sum(range(1000))
        time.sleep(0.001)


def late_pass():
    time.sleep(60)
    print("PASS")


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        if not STARTED:
            STARTED.extend([threading.Thread(target=burn), threading.Thread(target=late_pass)])
            for thread in STARTED:
                thread.start()
        return self.fc2(self.fc1(self.flatten(x)))
