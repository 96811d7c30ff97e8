"""A correct solution of exercise8 (the pack's self-test grades it: it must pass every check)."""
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
        return self.fc2(F.dropout(F.relu(self.bn(self.fc1(x))), self.p, self.training))
