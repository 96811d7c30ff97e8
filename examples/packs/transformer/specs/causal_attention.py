"""causal_attention: multi-head causal self-attention with one fused q/k/v projection (an example pack).

The reference computes the same function another way, with F.scaled_dot_product_attention(is_causal=
True), which the learner may not call. The mistakes are the usual ways a causal mask goes wrong.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import CaseSpec, Config, Exercise, Inputs, Mistake, randn

BY_HAND = "write the attention yourself: scores, causal mask, softmax, weighted sum"
LENGTH = "tokens"  # a variant key: failure messages show it as "tokens=9"


class CausalAttentionReference(nn.Module):
    """The learner's attribute names, with torch's fused attention kernel."""

    def __init__(self, embed_dim: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(embed_dim, 3 * embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, embed = x.shape
        q, k, v = (t.view(batch, length, self.num_heads, -1).transpose(1, 2)
                   for t in self.qkv(x).split(embed, dim=-1))
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(out.transpose(1, 2).reshape(batch, length, embed))


def attend(s: dict, c: Config, x: torch.Tensor, *, causal: bool = True, mask_after_softmax: bool = False,
           scaled: bool = True, split: str = "transpose") -> torch.Tensor:
    """Causal attention from the learner-named weights; the keywords make the known wrong variants."""
    batch, length, embed = x.shape
    heads = c.args[1]

    def heads_of(t: torch.Tensor) -> torch.Tensor:  # [B, T, E] -> [B, H, T, E / H]
        if split == "reshape":
            return t.reshape(batch, heads, length, -1)
        return t.view(batch, length, heads, -1).transpose(1, 2)

    q, k, v = (heads_of(t) for t in F.linear(x, s["qkv.weight"], s["qkv.bias"]).split(embed, dim=-1))
    scores = q @ k.transpose(-2, -1) / (math.sqrt(embed // heads) if scaled else 1.0)
    future = torch.ones(length, length, dtype=torch.bool).triu(1)
    if causal and not mask_after_softmax:
        scores = scores.masked_fill(future, float("-inf"))
    weights = scores.softmax(dim=-1)
    if causal and mask_after_softmax:
        weights = weights.masked_fill(future, 0.0)
    out = (weights @ v).transpose(1, 2).reshape(batch, length, embed)
    return F.linear(out, s["proj.weight"], s["proj.bias"])


class CausalAttentionSpec(Exercise):
    id = "causal_attention"
    class_name = "CausalSelfAttention"
    configs = (Config("default", (16, 4)), Config("one-head", (8, 1)))
    expected_calls = {"qkv": (1,), "proj": (1,)}  # the fused projection once, not once per head or per token
    forbidden_ops = {"torch.nn.functional.scaled_dot_product_attention": BY_HAND}
    forbidden_modules = {"torch.nn.modules.activation.MultiheadAttention": BY_HAND}

    def reference(self, config: Config) -> nn.Module:
        return CausalAttentionReference(*config.args)

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        return Inputs((randn(gen, batch, variant.get(LENGTH, 6), config.args[0]),))

    def value_cases(self) -> list[CaseSpec]:
        return [CaseSpec("values/default", stages=True),
                CaseSpec("values/long", variant={LENGTH: 9}),
                CaseSpec("values/one-token", variant={LENGTH: 1}),
                CaseSpec("values/one-head", config="one-head")]

    def mistakes(self) -> list[Mistake]:
        def variant(**wrong):
            return lambda s, c, x: attend(s, c, x, **wrong)

        return [
            Mistake("there is no causal mask: each position also attends to the positions after it; fill the scores "
                    "above the diagonal with float('-inf') before the softmax", variant(causal=False)),
            Mistake("the future is zeroed after the softmax, so each row of weights no longer sums to 1: mask the "
                    "scores with float('-inf') before the softmax instead", variant(mask_after_softmax=True)),
            Mistake("the scores are not scaled: divide q @ k.transpose(-2, -1) by sqrt(head_dim)",
                    variant(scaled=False)),
            Mistake("the heads are split with .reshape(B, num_heads, T, head_dim), which cuts across tokens: "
                    "view(B, T, num_heads, head_dim), then transpose(1, 2)", variant(split="reshape")),
        ]


EXERCISE = CausalAttentionSpec()
