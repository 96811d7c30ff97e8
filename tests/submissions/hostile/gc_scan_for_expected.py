# expect: fail values output differs
# exercise: exercise2
# Looks through every object in its process for a tensor shaped like the expected output and
# returns it. The child holds the inputs and weights only, never the reference's outputs.
import gc

import torch
from torch import nn


FOUND = {}


def candidates(batch):
    for obj in gc.get_objects():
        if isinstance(obj, dict):
            for value in list(obj.values()):
                if type(value) is torch.Tensor and tuple(value.shape) == (batch, 10):
                    yield value
        elif type(obj) is torch.Tensor and tuple(obj.shape) == (batch, 10):
            yield obj


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        if x.shape[0] not in FOUND:  # one scan per batch size: a scan per call would run out of time
            FOUND[x.shape[0]] = next(candidates(x.shape[0]), None)
        found = FOUND[x.shape[0]]
        return found.detach().clone().to(x.dtype) if found is not None else torch.zeros(x.shape[0], 10, dtype=x.dtype)
