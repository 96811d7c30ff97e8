# expect: fail grad gradient
# Right output, but its backward ignores the incoming gradient and sends back ones, as if the loss
# were always output.sum(): fine for one probe, wrong for any other.
import torch
from torch import nn


class IgnoreIncoming(torch.autograd.Function):
    @staticmethod
    def forward(ctx, y):
        return y.view_as(y)

    @staticmethod
    def backward(ctx, grad):
        return torch.ones_like(grad)


class ScaledLinear(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.scale = nn.Parameter(torch.ones(out_features))

    def forward(self, x):
        return IgnoreIncoming.apply(self.linear(x)) * self.scale
