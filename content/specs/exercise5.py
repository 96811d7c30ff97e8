"""exercise5: ScaledLinear — linear(x) * scale with a pure forward (seed 001 pitfall 1 and myth 1, 002 pitfall 2).

The standard grad and purity checks carry this exercise: no_grad, detach or `.data` cut the
gradient to `scale` or `linear`; in-place edits of a parameter, of x or of `.grad` are purity
failures. The reference's scale is drawn at random, not left at ones, so that a forward that
forgets the scale (or adds it) cannot match.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import Config, Exercise, Inputs, Mistake, probe


class ScaledLinearReference(nn.Module):
    """The learner's attributes with the functional forward.

    The scale is random, not ones, so that it shows in the output; its entries alternate in sign so
    that an in-place "keep it positive" edit (clamp_, abs_, relu_ on scale.data) changes it visibly.
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        sign = torch.ones(out_features)
        sign[1::2] = -1
        self.scale = nn.Parameter(torch.empty(out_features).uniform_(0.5, 2.0) * sign)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.linear.weight, self.linear.bias) * self.scale


def _linear(s: dict, x: torch.Tensor, bias: bool = True) -> torch.Tensor:
    return F.linear(x, s["linear.weight"], s["linear.bias"] if bias else None)


class ScaledLinearSpec(Exercise):
    id = "exercise5"
    class_name = "ScaledLinear"
    configs = (Config("default", (10, 6)), Config("one-output", (3, 1)))
    expected_calls = {"linear": (1,)}

    def reference(self, config: Config) -> nn.Module:
        return ScaledLinearReference(*config.args)

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        return Inputs((probe(gen, batch, config.args[0]),))

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake("your output equals linear(x) without the scale: multiply it by self.scale",
                    lambda s, c, x: _linear(s, x)),
            Mistake("your output is linear(x) + scale: the scale multiplies the output, it is not added to it",
                    lambda s, c, x: _linear(s, x) + s["scale"]),
            Mistake("your output is linear(x) / scale: multiply by self.scale, don't divide",
                    lambda s, c, x: _linear(s, x) / s["scale"]),
            Mistake("your output scales x @ weight.T before adding the bias: scale the whole of linear(x), bias "
                    "included",
                    lambda s, c, x: _linear(s, x, bias=False) * s["scale"] + s["linear.bias"]),
            Mistake("your output is linear(x) * scale without the bias: call self.linear(x), bias included",
                    lambda s, c, x: _linear(s, x, bias=False) * s["scale"]),
        ]


EXERCISE = ScaledLinearSpec()
