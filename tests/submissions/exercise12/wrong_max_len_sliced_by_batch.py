# expect: fail values sliced with the batch size
import math

import torch
from torch import nn


class PositionalMLP(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        dim, max_len = x.size(-1), 64
        position = torch.arange(max_len, device=x.device, dtype=x.dtype).unsqueeze(1)
        div = torch.exp(torch.arange(0, dim, 2, device=x.device, dtype=x.dtype) * (-math.log(10000.0) / dim))
        pe = torch.zeros(max_len, 1, dim, device=x.device, dtype=x.dtype)
        pe[:, 0, 0::2] = torch.sin(position * div)
        pe[:, 0, 1::2] = torch.cos(position * div)
        return self.proj(x + pe[: x.size(0)])  # the tutorial's sequence-first slice, on a batch-first x
