"""A correct solution of exercise14 (the pack's self-test grades it: it must pass every check)."""
import torch
from torch import nn


class GatedResidual(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gate = nn.Linear(dim, 1)
        self.body = nn.Linear(dim, dim)

    def forward(self, x):
        return torch.where(self.gate(x) > 0, x + self.body(x), x)
