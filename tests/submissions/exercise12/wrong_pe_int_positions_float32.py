# expect: fail dtype computes in float32
import math

import torch
from torch import nn


class PositionalMLP(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
    def forward(self, x):
        T, dim = x.shape[-2:]
        pos = torch.arange(T, device=x.device)[:, None]  # int64
        inv = 1.0 / (10000 ** (torch.arange(0, dim, 2, device=x.device) / dim))
        ang = pos * inv
        pe = torch.empty(T, dim, device=x.device)
        pe[:, ::2], pe[:, 1::2] = ang.sin(), ang.cos()
        return self.proj(x + pe.to(x.dtype))
