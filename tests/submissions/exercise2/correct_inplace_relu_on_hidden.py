# expect: pass
import torch
import torch.nn.functional as F
from torch import nn


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        h = self.fc1(torch.flatten(x, start_dim=1))
        F.relu(h, inplace=True)  # in place on fc1's own output, not on the input: fine
        return self.fc2(h)
