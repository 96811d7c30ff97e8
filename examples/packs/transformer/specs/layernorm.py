"""layernorm: LayerNorm written by hand, normalising each position's features (an example pack).

The reference is torch's own nn.LayerNorm, with random affine weights so that a forward that skips
them cannot match; the learner writes the mean, the biased variance, eps and the affine step.
"""

from __future__ import annotations

import torch
from torch import nn

from grader.authoring import Config, Exercise, Inputs, Mistake, randn

BY_HAND = "write the normalisation yourself: mean, variance, eps, weight and bias"


def normalise(s: dict, c: Config, x: torch.Tensor, *, unbiased: bool = False, eps_inside: bool = True,
              dims: tuple[int, ...] = (-1,), affine: bool = True) -> torch.Tensor:
    """LayerNorm from the learner-named weights; the keywords make the known wrong variants."""
    eps = c.kwargs["eps"]
    mean = x.mean(dims, keepdim=True)
    var = x.var(dims, keepdim=True, correction=1 if unbiased else 0)
    y = (x - mean) / (torch.sqrt(var + eps) if eps_inside else torch.sqrt(var) + eps)
    return y * s["weight"] + s["bias"] if affine else y


class LayerNormSpec(Exercise):
    id = "layernorm"
    class_name = "LayerNorm"
    # eps far above torch's default, so that a forward which ignores self.eps, or adds it outside the
    # square root, gives visibly different numbers
    configs = (Config("default", (16,), {"eps": 0.01}),)
    forbidden_ops = {"torch.nn.functional.layer_norm": BY_HAND}
    forbidden_modules = {"torch.nn.modules.normalization.LayerNorm": "it is the reference: " + BY_HAND}

    def reference(self, config: Config) -> nn.Module:
        reference = nn.LayerNorm(*config.args, **config.kwargs)
        with torch.no_grad():  # it starts at weight 1 and bias 0, which would hide a skipped affine step
            reference.weight.uniform_(0.5, 1.5)
            reference.bias.normal_(0.0, 0.5)
        return reference

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        # [batch, tokens, features], shifted and scaled so that the mean and the variance matter
        return Inputs((randn(gen, batch, 5, config.args[0], scale=3.0) + 1.0,))

    def mistakes(self) -> list[Mistake]:
        def variant(**wrong):
            return lambda s, c, x: normalise(s, c, x, **wrong)

        return [
            Mistake("the variance is the unbiased one (dividing by D - 1, torch.var's default): LayerNorm divides by "
                    "D, x.var(-1, unbiased=False)", variant(unbiased=True)),
            Mistake("eps is added outside the square root: divide by torch.sqrt(var + self.eps)",
                    variant(eps_inside=False)),
            Mistake("the statistics are taken over the tokens and the features (the last two dimensions): "
                    "normalise each position over its features alone, dim=-1", variant(dims=(-2, -1))),
            Mistake("the output is normalised but not scaled and shifted: multiply by self.weight, then add "
                    "self.bias", variant(affine=False)),
        ]


EXERCISE = LayerNormSpec()
