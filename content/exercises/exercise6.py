"""Exercise 6 — FeatureExtractorNet: a backbone and a head, each called once as a module.

Task: turn x of shape [B, 32] into head(backbone(x)), of shape [B, 5]. The backbone
(Linear 32 -> 64, ReLU, Linear 64 -> 64, ReLU) turns x into features [B, 64]; the head
(Linear 64 -> 5) turns the features into the output.
Forward hooks registered on the model, on self.backbone and on self.head must each fire exactly
once per call: call the submodules as self.backbone(x) and self.head(features), once each, never
through .forward() or layer by layer.

Check it with:  grader check exercise6
"""

import torch
from torch import nn


class FeatureExtractorNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.head = nn.Linear(64, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, 32] -> [B, 5]."""
        raise NotImplementedError("write forward: backbone, then head")
