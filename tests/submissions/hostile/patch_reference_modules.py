# expect: fail values output differs
# exercise: exercise2
# Patches the modules the reference is built from (torchvision.ops.MLP, nn.Linear, F.linear,
# nn.Sequential) to return zeros, then returns zeros itself: "reference == mine" only if the
# reference were computed in this process. It is not. (torchvision itself takes seconds to import on
# a busy machine: a stand-in module with a zero MLP poisons any later import of it just the same.)
import sys
import types

import torch
import torch.nn.functional as F
from torch import nn

zeros = lambda self, x, *a, **k: torch.zeros(x.shape[0], 10)  # noqa: E731
ops = sys.modules.get("torchvision.ops") or types.ModuleType("torchvision.ops")
ops.MLP = type("MLP", (nn.Module,), {"forward": zeros})
sys.modules.setdefault("torchvision", types.ModuleType("torchvision")).ops = ops
sys.modules["torchvision.ops"] = ops
nn.Sequential.forward = zeros
nn.Linear.forward = lambda self, x: torch.zeros(*x.shape[:-1], self.out_features)
F.linear = lambda x, w, b=None: torch.zeros(*x.shape[:-1], w.shape[0])
try:
    import grader.exercises.exercise2 as spec

    spec.DigitClassifierSpec.reference = lambda self, config: nn.Identity()
except ImportError:
    pass


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
