# expect: fail values config dim-10
import math

import torch
from torch import nn


class PositionalMLP(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        T = x.shape[1]
        t = torch.arange(T, device=x.device, dtype=x.dtype).unsqueeze(1)
        angles = t / 10000 ** (torch.arange(0, 16, 2, device=x.device, dtype=x.dtype) / 16)
        pe = torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(1)
        return self.proj(x + pe[:, : x.shape[2]])
