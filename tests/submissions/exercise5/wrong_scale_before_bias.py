# expect: fail values before adding the bias
import torch
import torch.nn.functional as F
from torch import nn


class ScaledLinear(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.scale = nn.Parameter(torch.ones(out_features))

    def forward(self, x):
        self.linear(x)
        return F.linear(x, self.linear.weight) * self.scale + self.linear.bias
