"""Exercise 8 — RegularizedMLP: BatchNorm and dropout, which behave differently in train and eval mode.

Task: x of shape [B, in_features] -> [B, out_features]:
fc1 -> bn -> ReLU -> dropout with probability self.p -> fc2.
Dropout is active only in training mode (after model.train()): it zeroes each unit with
probability p and scales the others by 1/(1-p). In eval mode (after model.eval()) it does nothing,
so the output is deterministic. self.p is a plain float, not a module.

Check it with:  grader check exercise8
"""

import torch
import torch.nn.functional as F
from torch import nn


class RegularizedMLP(nn.Module):
    def __init__(self, in_features=20, hidden=64, out_features=3, p=0.5):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.bn = nn.BatchNorm1d(hidden)
        self.fc2 = nn.Linear(hidden, out_features)
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, in_features] -> [B, out_features]."""
        raise NotImplementedError("write forward: fc1, bn, ReLU, dropout (in training only), fc2")
