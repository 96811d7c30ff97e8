"""exercise10: SqueezeExcitation — rescale each channel by a gate computed from its mean (production models).

Inputs are not square (H != W != C) and every channel of every sample has its own offset, so that
a scale broadcast along the wrong axis raises or differs, and the per-channel means, hence the
gates, vary. Calling torchvision's SqueezeExcitation, as a module or through its code, is forbidden;
the reference is its layers and forward written out (tests/test_references.py checks that the two
agree), so that grading never imports torchvision.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import Config, Exercise, Inputs, Mistake, probe

HEIGHT, WIDTH = 6, 5


class SqueezeExcitationReference(nn.Module):
    """torchvision.ops.SqueezeExcitation with its default activations, layer for layer."""

    def __init__(self, input_channels: int, squeeze_channels: int) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = nn.ReLU()
        self.scale_activation = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x


def _avg(x: torch.Tensor) -> torch.Tensor:
    return x.mean((2, 3), keepdim=True)


def _scale(s: dict, x: torch.Tensor, pool=_avg, act=F.relu, gate=torch.sigmoid) -> torch.Tensor:
    """gate(fc2(act(fc1(pool(x))))): the per-channel scale [B, C, 1, 1]."""
    z = F.conv2d(pool(x), s["fc1.weight"], s["fc1.bias"])
    return gate(F.conv2d(act(z), s["fc2.weight"], s["fc2.bias"]))


def _same(t: torch.Tensor) -> torch.Tensor:
    return t


def _scale_only(s: dict, c: Config, x: torch.Tensor) -> torch.Tensor:
    return _scale(s, x)


class SqueezeExcitationSpec(Exercise):
    id = "exercise10"
    class_name = "SqueezeExcitation"
    configs = (Config("default", (16, 4)), Config("small", (6, 3)))
    forbidden_modules = {"torchvision.ops.misc.SqueezeExcitation":
                         "compute the scale from avgpool, fc1, activation, fc2 and scale_activation yourself"}
    expected_calls = {"fc1": (1,), "fc2": (1,)}

    def reference(self, config: Config) -> nn.Module:
        return SqueezeExcitationReference(*config.args)

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        channels = config.args[0]
        return Inputs((probe(gen, batch, channels, HEIGHT, WIDTH) + probe(gen, batch, channels, 1, 1),))

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake("your output is x * fc2(...) without the sigmoid: the scale goes through self.scale_activation "
                    "so that each channel is multiplied by a gate between 0 and 1",
                    lambda s, c, x: x * _scale(s, x, gate=_same)),
            Mistake("your scale comes from max pooling: squeeze each channel with its average (self.avgpool)",
                    lambda s, c, x: x * _scale(s, x, pool=lambda t: t.amax((2, 3), keepdim=True))),
            Mistake("your output is the scale itself (broadcast to x's shape), not x * scale: multiply the input by it",
                    lambda s, c, x: _scale(s, x).expand_as(x)),
            Mistake("your output is the scale itself, [B, C, 1, 1], not x * scale: multiply the input by it",
                    _scale_only),
            Mistake("your output is the reference without the ReLU between fc1 and fc2: apply self.activation",
                    lambda s, c, x: x * _scale(s, x, act=_same)),
            Mistake("your squeeze averages over the batch too: each sample's channels are averaged over H and W "
                    "only (dims 2 and 3), never over dim 0",
                    lambda s, c, x: x * _scale(s, x, pool=lambda t: t.mean((0, 2, 3), keepdim=True))),
            Mistake("your output is x + scale: the scale multiplies x, it is not added to it",
                    lambda s, c, x: x + _scale(s, x)),
            Mistake("your scale is a softmax over the channels: each channel gets its own sigmoid gate",
                    lambda s, c, x: x * _scale(s, x, gate=lambda t: t.softmax(dim=1))),
        ]


EXERCISE = SqueezeExcitationSpec()
