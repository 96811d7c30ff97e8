# expect: fail time memory limit
# exercise: exercise2
# Asks for a 4 TB tensor.
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
        big = torch.empty(10**12)
        return big[: x.shape[0] * 10].view(x.shape[0], 10)
