# expect: fail shape returned
# exercise: exercise2
# Returns a tensor subclass that claims to equal anything, under every comparison.
import torch
from torch import nn


class Agreeable(torch.Tensor):
    def __eq__(self, other):
        return True

    __ne__ = lambda self, other: False  # noqa: E731

    def allclose(self, *args, **kwargs):
        return True

    def equal(self, *args, **kwargs):
        return True


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return torch.zeros(x.shape[0], 10).as_subclass(Agreeable)
