# expect: fail grad modified by an inplace operation
# Drops in place on the ReLU's output, which ReLU's backward needs: backward() fails, in train mode only.
import torch.nn.functional as F
from torch import nn


class RegularizedMLP(nn.Module):
    def __init__(self, in_features=20, hidden=64, out_features=3, p=0.5):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.bn = nn.BatchNorm1d(hidden)
        self.fc2 = nn.Linear(hidden, out_features)
        self.p = p

    def forward(self, x):
        h = F.relu(self.bn(self.fc1(x)))
        h = F.dropout(h, self.p, self.training, inplace=True)
        return self.fc2(h)
