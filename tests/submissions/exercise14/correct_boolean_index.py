# expect: pass
import torch
import torch.nn.functional as F
from torch import nn


class GatedResidual(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gate = nn.Linear(dim, 1)
        self.body = nn.Linear(dim, dim)
    def forward(self, x):
        g = self.gate(x).squeeze(1)
        out = x.clone()
        m = g > 0
        out[m] = x[m] + self.body(x[m])
        return out
