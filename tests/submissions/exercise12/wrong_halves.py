# expect: fail values sin columns first
import math

import torch
from torch import nn


class PositionalMLP(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        T, dim = x.shape[1], x.shape[2]
        t = torch.arange(T, device=x.device, dtype=x.dtype).unsqueeze(1)
        angles = t / 10000 ** (torch.arange(0, dim, 2, device=x.device, dtype=x.dtype) / dim)
        return self.proj(x + torch.cat([angles.sin(), angles.cos()], dim=-1))
