# expect: fail device Apple's MPS has no float64
import torch
from torch import nn


class PositionalMLP(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        # the table built in float64 on x's device "for precision", then cast: right on the CPU and on
        # CUDA, but an Apple GPU (MPS) has no float64 and raises
        T, dim = x.shape[1], x.shape[2]
        t = torch.arange(T, device=x.device, dtype=torch.float64).unsqueeze(1)
        two_i = torch.arange(0, dim, 2, device=x.device, dtype=torch.float64)
        angles = t / 10000 ** (two_i / dim)
        pe = torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(1)
        return self.proj(x + pe.to(x.dtype))
