"""Exercise 5 — ScaledLinear: a linear layer times a learned per-feature scale, computed purely.

Task: turn x of shape [B, in_features] into linear(x) * scale, of shape [B, out_features]; scale has
shape [out_features] and multiplies every sample's outputs feature by feature.
forward only computes: it must not change any parameter or x (no in-place edits, no `.data`
tricks), must not touch `.grad`, and must not use torch.no_grad() or .detach(), so that gradients
reach both `linear` and `scale`. Learning happens in optimizer.step(), never in forward.

Check it with:  grader check exercise5
"""

import torch
from torch import nn


class ScaledLinear(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.scale = nn.Parameter(torch.ones(out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, in_features] -> [B, out_features]."""
        raise NotImplementedError("write forward: linear(x) times scale")
