"""Exercise 2 — DigitClassifier: the forward pass of seed 000's digit classifier.

Task: turn a batch of grey images x of shape [B, 1, 28, 28] into raw class scores (logits) of
shape [B, 10]: flatten each image to 784 values, apply fc1 (784 -> 128), ReLU, then fc2
(128 -> 10). Return the logits as they are: no softmax.

Check it with:  grader check exercise2
"""

import torch
from torch import nn


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, 1, 28, 28] -> logits [B, 10]."""
        raise NotImplementedError("write forward: flatten, fc1, ReLU, fc2")
