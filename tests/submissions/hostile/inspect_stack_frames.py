# expect: fail values output differs
# exercise: exercise2
# Walks up the call stack into the grader's frames, looking for anything that could be the answer:
# a 'reference', 'expected' or 'output' entry, or a [B, 10] tensor in any frame's locals.
import inspect

import torch
from torch import nn


def search(value, batch, depth=0):
    if type(value) is torch.Tensor and tuple(value.shape) == (batch, 10):
        return value
    if depth < 3 and isinstance(value, dict):
        for key in ("reference", "expected", "output", "cotangent"):
            if key in value:
                found = search(value[key], batch, depth + 1)
                if found is not None:
                    return found
    return None


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        for frame in inspect.stack():
            for value in frame.frame.f_locals.values():
                found = search(value, x.shape[0])
                if found is not None:
                    return found.detach().clone().to(x.dtype)
        return torch.zeros(x.shape[0], 10, dtype=x.dtype)
