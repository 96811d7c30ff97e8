# expect: fail mode differently in train mode
# Doubles the scale in training, "to learn faster": right in eval mode only.
import torch
from torch import nn


class ScaledLinear(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.scale = nn.Parameter(torch.ones(out_features))

    def forward(self, x):
        scale = self.scale * 2 if self.training else self.scale
        return self.linear(x) * scale
