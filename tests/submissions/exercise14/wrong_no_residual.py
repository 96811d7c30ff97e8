# expect: fail values residual is missing
import torch
import torch.nn.functional as F
from torch import nn


class GatedResidual(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gate = nn.Linear(dim, 1)
        self.body = nn.Linear(dim, dim)

    def forward(self, x):
        return torch.where(self.gate(x) > 0, self.body(x), x)
