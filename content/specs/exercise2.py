"""exercise2: DigitClassifier — flatten, fc1, ReLU, fc2 to raw logits (seed 000's pipeline)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import Config, Exercise, Inputs, Mistake, mlp, probe


def _fc(s: dict, name: str, x: torch.Tensor) -> torch.Tensor:
    return F.linear(x, s[f"{name}.weight"], s[f"{name}.bias"])


def _logits(s: dict, flat: torch.Tensor, act=F.relu) -> torch.Tensor:
    return _fc(s, "fc2", act(_fc(s, "fc1", flat)))


class DigitClassifierSpec(Exercise):
    id = "exercise2"
    class_name = "DigitClassifier"
    name_map = {"fc1": "1.0", "fc2": "1.3"}  # torchvision.ops.MLP numbers its layers
    expected_calls = {"fc1": (1,), "fc2": (1,), "flatten": (0, 1), "relu": (0, 1)}
    error_meanings = {
        r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and 784x128\)":
            "fc1 expects 784 features per sample but got {1}: flatten each image to 784 values, keeping the "
            "batch: x.flatten(1) (not flatten(), not view(-1, ...))",
    }

    def reference(self, config: Config) -> nn.Module:
        return nn.Sequential(nn.Flatten(), mlp(784, [128, 10]))  # torchvision.ops.MLP(784, [128, 10])

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        # images of any normalisation: pixels in [0, 1], or centred (negative values) as after Normalize
        return Inputs((probe(gen, batch, 1, 28, 28),))

    def mistakes(self) -> list[Mistake]:
        flat = lambda x: x.flatten(1)  # noqa: E731
        return [
            Mistake("your forward clamps the input to [0, 1]: images may come normalised, with negative values; "
                    "take x as it is",
                    lambda s, c, x: _logits(s, flat(x.clamp(0, 1)))),
            Mistake("your forward rectifies the input (relu or clamp(min=0) on x): it may be negative (normalised "
                    "images); take x as it is",
                    lambda s, c, x: _logits(s, flat(x.clamp(min=0)))),
            Mistake("your forward uses |x|: the input may be negative (normalised images); take x as it is",
                    lambda s, c, x: _logits(s, flat(x.abs()))),
            Mistake("your output equals the reference without the ReLU: did you forget the activation between fc1 and "
                    "fc2?",
                    lambda s, c, x: _logits(s, flat(x), act=lambda h: h)),
            Mistake("your output is softmax(logits): forward should return raw logits (the loss applies softmax "
                    "itself)",
                    lambda s, c, x: _logits(s, flat(x)).softmax(dim=1)),
            Mistake("your output is a softmax over dim 0, across the samples of the batch: forward should return raw "
                    "logits (and a softmax over classes would be dim=1)",
                    lambda s, c, x: _logits(s, flat(x)).softmax(dim=0)),
            Mistake("your output is log_softmax(logits): forward should return raw logits",
                    lambda s, c, x: _logits(s, flat(x)).log_softmax(dim=1)),
            Mistake("your output has a ReLU after fc2: logits must be able to be negative, so no activation on the "
                    "output",
                    lambda s, c, x: F.relu(_logits(s, flat(x)))),
            Mistake("your output matches a model with sigmoid instead of ReLU between fc1 and fc2",
                    lambda s, c, x: _logits(s, flat(x), act=torch.sigmoid)),
            Mistake("your output matches a model with tanh instead of ReLU between fc1 and fc2",
                    lambda s, c, x: _logits(s, flat(x), act=torch.tanh)),
            Mistake("your flatten mixes samples: x.view(784, -1) takes pixels from several images; use x.flatten(1) or "
                    "x.view(x.size(0), -1)",
                    lambda s, c, x: _logits(s, x.reshape(784, -1).T)),
            Mistake("your flatten reads each image column by column (transposed): flatten the [1, 28, 28] image as it "
                    "is",
                    lambda s, c, x: _logits(s, x.transpose(2, 3).flatten(1))),
        ]


EXERCISE = DigitClassifierSpec()
