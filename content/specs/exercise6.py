"""exercise6: FeatureExtractorNet — head(backbone(x)), each submodule called once through __call__
(seed 002 step 4, pitfalls 1 and 3).

The point is the hooks: forward hooks on the model, `backbone` and `head` must each fire exactly
once per call. Iterating over the backbone's layers, calling `.forward()` directly or calling a
submodule twice computes the right numbers and fails the hooks check, naming the submodule.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import Config, Exercise, Inputs, Mistake, probe


class FeatureExtractorReference(nn.Module):
    """The learner's attributes, called once each: its stages line up with a correct learner's."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.head = nn.Linear(64, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def _features(s: dict, x: torch.Tensor, last_relu: bool = True) -> torch.Tensor:
    h = F.relu(F.linear(x, s["backbone.0.weight"], s["backbone.0.bias"]))
    h = F.linear(h, s["backbone.2.weight"], s["backbone.2.bias"])
    return F.relu(h) if last_relu else h


def _head(s: dict, h: torch.Tensor) -> torch.Tensor:
    return F.linear(h, s["head.weight"], s["head.bias"])


class FeatureExtractorNetSpec(Exercise):
    id = "exercise6"
    class_name = "FeatureExtractorNet"
    configs = (Config("default"),)
    # the children of backbone are free: calling self.backbone runs each of them once anyway
    expected_calls = {"backbone": (1,), "head": (1,)}

    def reference(self, config: Config) -> nn.Module:
        return FeatureExtractorReference()

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        return Inputs((probe(gen, batch, 32),))

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake("your output skips the backbone's last ReLU: call self.backbone(x) as a whole, all four layers",
                    lambda s, c, x: _head(s, _features(s, x, last_relu=False))),
            Mistake("your output has a ReLU after the head: return the head's output as it is",
                    lambda s, c, x: F.relu(_head(s, _features(s, x)))),
            Mistake("your output is softmax(head(...)): return the head's raw output",
                    lambda s, c, x: _head(s, _features(s, x)).softmax(dim=1)),
            Mistake("your output is log_softmax(head(...)): return the head's raw output",
                    lambda s, c, x: _head(s, _features(s, x)).log_softmax(dim=1)),
        ]


EXERCISE = FeatureExtractorNetSpec()
