"""LayerNorm: normalise each position's features, by hand.

Task: for x of shape [..., D] (e.g. [B, T, D]: a batch of sequences of tokens), normalise every
position over its D features: subtract their mean, divide by sqrt(variance + eps) (the biased
variance, dividing by D), then multiply by self.weight and add self.bias. The output has x's shape.
F.layer_norm and nn.LayerNorm are forbidden here.

Check it with:  grader check layernorm
"""

import torch
from torch import nn


class LayerNorm(nn.Module):
    def __init__(self, normalized_shape: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [..., D] -> [..., D]."""
        raise NotImplementedError("write forward: (x - mean) / sqrt(var + eps) * weight + bias, over the last dim")
