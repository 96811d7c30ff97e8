"""Exercise 3 — TinyCNN: a small convolutional network.

Task: x of shape [B, 1, 28, 28] -> logits [B, 10]:
conv1 -> ReLU -> pool   ([B, 8, 14, 14])
conv2 -> ReLU -> pool   ([B, 16, 7, 7])
flatten each sample     ([B, 784])
fc                      ([B, 10])

Check it with:  grader check exercise3
"""

import torch
from torch import nn


class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, 1, 28, 28] -> logits [B, 10]."""
        raise NotImplementedError("write forward: two conv/ReLU/pool stages, flatten, fc")
