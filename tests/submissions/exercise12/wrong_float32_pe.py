# expect: fail dtype computes in float32
import math

import torch
from torch import nn


class PositionalMLP(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        T, dim = x.shape[1], x.shape[2]
        t = torch.arange(T, device=x.device, dtype=torch.float32).unsqueeze(1)
        two_i = torch.arange(0, dim, 2, device=x.device, dtype=torch.float32)
        angles = t / 10000 ** (two_i / dim)
        pe = torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(1)
        return self.proj(x + pe)
