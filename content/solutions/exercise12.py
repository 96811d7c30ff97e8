"""A correct solution of exercise12 (the pack's self-test grades it: it must pass every check)."""

import torch
from torch import nn


class PositionalMLP(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        T, dim = x.shape[1], x.shape[2]
        t = torch.arange(T, device=x.device, dtype=x.dtype).unsqueeze(1)
        two_i = torch.arange(0, dim, 2, device=x.device, dtype=x.dtype)
        angles = t / 10000 ** (two_i / dim)
        pe = torch.zeros(T, dim, device=x.device, dtype=x.dtype)
        pe[:, 0::2] = torch.sin(angles)
        pe[:, 1::2] = torch.cos(angles)
        return self.proj(x + pe)
