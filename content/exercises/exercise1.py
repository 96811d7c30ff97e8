"""Exercise 1 — ManualLinear: write a linear layer's forward by hand.

Task: return x @ weight.T + bias, for x of shape [..., in_features] with any number of leading
dimensions (a batch [B, in_features], or [B, T, in_features], ...). The output has shape
[..., out_features]. F.linear and nn.Linear are forbidden here: write the matrix product yourself.

Check it with:  grader check exercise1
"""

import math

import torch
from torch import nn


class ManualLinear(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        # The same initialisation as nn.Linear.
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        bound = 1 / math.sqrt(in_features)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [..., in_features] -> [..., out_features]."""
        raise NotImplementedError("write forward: x @ weight.T + bias")
