# expect: fail load constructing your model raised
import torch
from torch import nn


class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 7 * 7, 10, bias="yes", device="gpu")

    def forward(self, x):
        return self.fc(self.pool(self.pool(self.conv2(self.conv1(x)))).flatten(1))
