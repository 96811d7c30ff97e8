# expect: fail values come out as zeros
import torch
import torch.nn.functional as F
from torch import nn


class GatedResidual(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gate = nn.Linear(dim, 1)
        self.body = nn.Linear(dim, dim)

    def forward(self, x):
        return torch.where(self.gate(x) > 0, x + self.body(x), torch.zeros_like(x))
