# expect: pass
import math

import torch
from torch import nn


class PositionalMLP(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        _, T, dim = x.shape
        pos = torch.arange(T, device=x.device).to(x.dtype)[:, None]
        freq = torch.exp(-math.log(10000.0) * torch.arange(0, dim, 2, device=x.device).to(x.dtype) / dim)
        angle = pos * freq  # [T, dim/2]
        pe = torch.stack((angle.sin(), angle.cos()), dim=-1).reshape(T, dim)
        return self.proj(x + pe)
