"""A correct solution of exercise11 (the pack's self-test grades it: it must pass every check)."""
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

    def forward(self, image, features):
        embedding = torch.cat([self.image_tower(image), self.feature_tower(features)], dim=1)
        return {"embedding": embedding, "logits": self.classifier(embedding)}
