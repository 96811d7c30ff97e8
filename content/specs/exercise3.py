"""exercise3: TinyCNN — two conv/ReLU/pool stages, flatten each sample, one linear layer (seed 001)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import Config, Exercise, Inputs, Mistake, probe


class TinyCNNReference(nn.Module):
    """The reference: the learner's attributes, with a functional forward."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


def _features(s: dict, x: torch.Tensor, acts=(F.relu, F.relu), pool=F.max_pool2d) -> torch.Tensor:
    """The [B, 16, 7, 7] feature map, with the given activation after each conv and the given pooling."""
    for conv, act in zip(("conv1", "conv2"), acts, strict=False):
        x = pool(act(F.conv2d(x, s[f"{conv}.weight"], s[f"{conv}.bias"], padding=1)), 2)
    return x


def _head(s: dict, flat: torch.Tensor) -> torch.Tensor:
    return F.linear(flat, s["fc.weight"], s["fc.bias"])


def _none(h: torch.Tensor) -> torch.Tensor:
    return h


class TinyCNNSpec(Exercise):
    id = "exercise3"
    class_name = "TinyCNN"
    expected_calls = {"conv1": (1,), "conv2": (1,), "fc": (1,), "pool": (0, 1, 2)}
    error_meanings = {
        r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and 784x10\)":
            "fc expects 16*7*7 = 784 features per sample but got {1}: each conv stage is followed by the 2x2 "
            "pool (28 -> 14 -> 7), and the flatten keeps the batch: x.flatten(1)",
    }

    def reference(self, config: Config) -> nn.Module:
        return TinyCNNReference()

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        return Inputs((probe(gen, batch, 1, 28, 28),))  # any normalisation: negative values too

    def mistakes(self) -> list[Mistake]:
        logits = lambda s, x, **kw: _head(s, _features(s, x, **kw).flatten(1))  # noqa: E731
        return [
            Mistake("your forward clamps the input to [0, 1]: images may come normalised, with negative values; "
                    "take x as it is",
                    lambda s, c, x: logits(s, x.clamp(0, 1))),
            Mistake("your forward rectifies the input (relu or clamp(min=0) on x): it may be negative (normalised "
                    "images); take x as it is",
                    lambda s, c, x: logits(s, x.clamp(min=0))),
            Mistake("your forward uses |x|: the input may be negative (normalised images); take x as it is",
                    lambda s, c, x: logits(s, x.abs())),
            Mistake("your output equals the reference without the ReLUs: did you forget the activations after the "
                    "convolutions?",
                    lambda s, c, x: logits(s, x, acts=(_none, _none))),
            Mistake("your output has a ReLU after conv1 but not after conv2",
                    lambda s, c, x: logits(s, x, acts=(F.relu, _none))),
            Mistake("your output has a ReLU after conv2 but not after conv1",
                    lambda s, c, x: logits(s, x, acts=(_none, F.relu))),
            Mistake("your output matches average pooling: self.pool is nn.MaxPool2d, which keeps the largest value of "
                    "each 2x2 window",
                    lambda s, c, x: logits(s, x, pool=F.avg_pool2d)),
            Mistake("your output is softmax(logits): forward should return raw logits",
                    lambda s, c, x: logits(s, x).softmax(dim=1)),
            Mistake("your output is a softmax over dim 0, across the samples of the batch: forward should return raw "
                    "logits (and a softmax over classes would be dim=1)",
                    lambda s, c, x: logits(s, x).softmax(dim=0)),
            Mistake("your output is log_softmax(logits): forward should return raw logits",
                    lambda s, c, x: logits(s, x).log_softmax(dim=1)),
            Mistake("your output has a ReLU after fc: logits must be able to be negative",
                    lambda s, c, x: F.relu(logits(s, x))),
            Mistake("you flattened channels-last (permute before flatten): flatten the [16, 7, 7] feature map as it "
                    "comes, with x.flatten(1)",
                    lambda s, c, x: _head(s, _features(s, x).permute(0, 2, 3, 1).flatten(1))),
            Mistake("you flattened each feature map column by column (transposed): flatten the [16, 7, 7] map as it "
                    "comes",
                    lambda s, c, x: _head(s, _features(s, x).transpose(2, 3).flatten(1))),
            Mistake("your flatten mixes samples: x.view(16*7*7, -1) takes features from several images; use "
                    "x.flatten(1) or x.view(x.size(0), -1)",
                    lambda s, c, x: _head(s, _features(s, x).reshape(16 * 7 * 7, -1).T)),
        ]


EXERCISE = TinyCNNSpec()
