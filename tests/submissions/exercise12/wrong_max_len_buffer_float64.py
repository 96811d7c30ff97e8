# expect: fail device Apple's MPS has no float64
# The table in float64 on x's device: right on the CPU and CUDA, but an Apple GPU (MPS) has no float64.
import math

import torch
from torch import nn


class PositionalMLP(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        dim = x.size(-1)
        max_len = 512
        pe = torch.zeros(1, max_len, dim, dtype=torch.float64, device=x.device)
        position = torch.arange(max_len, dtype=torch.float64, device=x.device).unsqueeze(1)
        div = torch.pow(10000.0, torch.arange(0, dim, 2, dtype=torch.float64, device=x.device) / dim)
        pe[0, :, 0::2] = torch.sin(position / div)
        pe[0, :, 1::2] = torch.cos(position / div)
        return self.proj(x + pe[:, : x.size(1)].type_as(x))
