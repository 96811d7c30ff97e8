"""Exercise 14 — GatedResidual: a per-sample decision that torch.export can capture.

Task: x of shape [B, dim] -> [B, dim]. For each sample, the gate gives one score, gate(x) [B, 1]:
a sample whose score is > 0 becomes x + body(x); every other sample stays x.

Write it without any Python branch on tensor values (no `if` on a tensor, no loop over the samples,
no .item()): torch.export.export(model, (x,)) with a dynamic batch dimension must succeed.

Check it with:  grader check exercise14
"""

import torch
from torch import nn


class GatedResidual(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gate = nn.Linear(dim, 1)
        self.body = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, dim] -> [B, dim]: x + body(x) where gate(x) > 0, else x, sample by sample."""
        raise NotImplementedError("write forward: select per sample between x + body(x) and x")
