# expect: pass
import torch
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
        if self.training:
            mask = (torch.rand_like(h) >= self.p).to(h.dtype)
            h = h * mask / (1 - self.p)
        return self.fc2(h)
