# expect: fail shape built once and kept
# Builds the table on the first call and keeps it (as a plain attribute): right for that length only.
import torch
from torch import nn


class PositionalMLP(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.table = None

    def forward(self, x):
        if self.table is None:
            T, dim = x.shape[1], x.shape[2]
            t = torch.arange(T, device=x.device, dtype=x.dtype).unsqueeze(1)
            two_i = torch.arange(0, dim, 2, device=x.device, dtype=x.dtype)
            self.table = torch.zeros(T, dim, device=x.device, dtype=x.dtype)
            self.table[:, 0::2] = torch.sin(t / 10000 ** (two_i / dim))
            self.table[:, 1::2] = torch.cos(t / 10000 ** (two_i / dim))
        return self.proj(x + self.table)
