# expect: fail batch one decision for the whole batch
import torch
import torch.nn.functional as F
from torch import nn


class GatedResidual(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gate = nn.Linear(dim, 1)
        self.body = nn.Linear(dim, dim)

    def forward(self, x):
        if self.gate(x).mean() > 0:
            return x + self.body(x)
        return x
