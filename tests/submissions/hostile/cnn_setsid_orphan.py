# expect: fail load still running
# exercise: exercise3
# needs: posix
# Correct, but leaves a setsid'd grandchild behind via subprocess with start_new_session.
import subprocess

STARTED = []
import torch
import torch.nn.functional as F
from torch import nn



class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        if not STARTED:
            STARTED.append(subprocess.Popen(["sh", "-c", "sleep 1000 & sleep 1000"], start_new_session=True))
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc(x.flatten(1))
