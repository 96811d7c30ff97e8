"""Exercise 12 — PositionalMLP: sinusoidal positional encodings built inside forward.

Task: x of shape [B, T, dim] (any T; dim is even) -> proj(x + pe), shape [B, T, dim], where pe is
a [T, dim] table of positions t = 0 .. T-1 and pairs of columns i = 0 .. dim/2 - 1:
    pe[t, 2i]     = sin(t / 10000 ** (2i / dim))
    pe[t, 2i + 1] = cos(t / 10000 ** (2i / dim))
pe broadcasts over the batch. Build it inside forward, on x's device and in x's dtype: the model
must work unchanged on a GPU and in float64 or bfloat16.

Check it with:  grader check exercise12
"""

import torch
from torch import nn


class PositionalMLP(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, T, dim] -> [B, T, dim] = proj(x + pe)."""
        raise NotImplementedError("write forward: build pe [T, dim] like x, add it, project")
