"""Exercise 11 — TwoTowerNet: a forward with two inputs and a dict output.

Task: forward(image, features) with image [B, 1, H, W] (any H and W) and features [B, 8]:
image_tower(image)          -> [B, 16]
feature_tower(features)     -> [B, 16]
embedding = both joined side by side, image tower first   -> [B, 32]
logits = classifier(embedding)                             -> [B, 4]
Return the dict {"embedding": embedding, "logits": logits}.

Check it with:  grader check exercise11
"""

import torch
from torch import nn


class TwoTowerNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.image_tower = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 16)
        )
        self.feature_tower = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
        self.classifier = nn.Linear(32, 4)

    def forward(self, image: torch.Tensor, features: torch.Tensor) -> dict[str, torch.Tensor]:
        """image: [B, 1, H, W], features: [B, 8] -> {"embedding": [B, 32], "logits": [B, 4]}."""
        raise NotImplementedError("write forward: both towers, join them, classify, return the dict")
