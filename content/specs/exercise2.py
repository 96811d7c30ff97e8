"""exercise2: DigitClassifier — flatten, fc1, ReLU, fc2 to raw logits (seed 000's pipeline)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from grader.judging.spec import Config, Exercise, Inputs, Mistake


def _fc(s: dict, name: str, x: torch.Tensor) -> torch.Tensor:
    return F.linear(x, s[f"{name}.weight"], s[f"{name}.bias"])


def _logits(s: dict, flat: torch.Tensor, act=F.relu) -> torch.Tensor:
    return _fc(s, "fc2", act(_fc(s, "fc1", flat)))


class DigitClassifierSpec(Exercise):
    id = "exercise2"
    class_name = "DigitClassifier"
    name_map = {"fc1": "1.0", "fc2": "1.3"}  # torchvision.ops.MLP numbers its layers
    expected_calls = {"fc1": (1,), "fc2": (1,), "flatten": (0, 1), "relu": (0, 1)}

    dtypes = ("float64", "bfloat16")  # bfloat16: a tensor made in float32 inside forward changes the output's dtype
    dtype_tolerances = {"bfloat16": (5e-2, 5e-2)}

    def reference(self, config: Config) -> nn.Module:
        from torchvision.ops import MLP  # imported here: judging a passing submission never needs it

        return nn.Sequential(nn.Flatten(), MLP(784, [128, 10]))

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        return Inputs((torch.rand(batch, 1, 28, 28, generator=gen),))  # grey pixels in [0, 1]

    def mistakes(self) -> list[Mistake]:
        flat = lambda x: x.flatten(1)  # noqa: E731
        return [
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
