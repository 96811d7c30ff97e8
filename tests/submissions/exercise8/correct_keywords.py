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
        h = torch.relu(self.bn(self.fc1(x)))
        h = nn.functional.dropout(h, p=self.p, training=self.training)
        return self.fc2(h)
