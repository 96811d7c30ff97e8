"""exercise13: SelfAttention — multi-head scaled dot-product self-attention with a key padding
mask, from plain tensor operations (seed 002, step 5)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import CaseSpec, Config, Exercise, Inputs, Mistake, probe

PACKED = "attention.in_proj_"  # nn.MultiheadAttention keeps q, k and v's projections in one tensor
BY_HAND = "write the attention yourself: scores, softmax, weighted sum"


class AttentionReference(nn.Module):
    """nn.MultiheadAttention itself, called as self-attention."""

    def __init__(self, embed_dim: int, num_heads: int) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)
        with torch.no_grad():  # it starts its biases at zero: random ones test that the learner adds them
            self.attention.in_proj_bias.uniform_(-0.5, 0.5)
            self.attention.out_proj.bias.uniform_(-0.5, 0.5)

    def forward(self, x: torch.Tensor, key_padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        # the key padding mask as the additive attention mask nn.MultiheadAttention turns it into (-inf on
        # every query's row for a hidden key): the same computation, without its check of a key_padding_mask,
        # which imports sympy (seconds of a cold check)
        mask = None
        if key_padding_mask is not None:
            length, heads = x.size(1), self.attention.num_heads
            hidden = torch.zeros(key_padding_mask.shape, dtype=x.dtype).masked_fill(key_padding_mask, float("-inf"))
            mask = hidden[:, None, None, :].expand(-1, heads, length, -1).reshape(-1, length, length)
        return self.attention(x, x, x, attn_mask=mask, need_weights=False)[0]


def attend(s: dict, c: Config, x: torch.Tensor, key_padding_mask: torch.Tensor | None = None, *,
           scale: str = "head_dim", softmax_dim: int = -1, mask: str = "keys", split: str = "transpose",
           merge: str = "transpose", out_proj: bool = True) -> torch.Tensor:
    """Self-attention from learner-named weights; the keywords make the known wrong variants."""
    batch, length, embed = x.shape
    heads = c.args[1]
    d = embed // heads

    def heads_of(t: torch.Tensor) -> torch.Tensor:  # [B, T, E] -> [B, H, T, d]
        if split == "reshape":
            return t.reshape(batch, heads, length, d)
        return t.view(batch, length, heads, d).transpose(1, 2)

    q, k, v = (heads_of(F.linear(x, s[f"{p}_proj.weight"], s[f"{p}_proj.bias"])) for p in "qkv")
    scores = q @ k.transpose(-2, -1) / {"head_dim": math.sqrt(d), "embed_dim": math.sqrt(embed), "none": 1.0}[scale]
    if key_padding_mask is not None and mask != "ignored":
        hidden = ~key_padding_mask if mask == "inverted" else key_padding_mask
        scores = scores.masked_fill(hidden[:, None, None, :], 0.0 if mask == "zero" else float("-inf"))
    out = scores.softmax(dim=softmax_dim) @ v  # [B, H, T, d]
    out = out.reshape(batch, length, embed) if merge == "reshape" else out.transpose(1, 2).reshape(batch, length, embed)
    return F.linear(out, s["out_proj.weight"], s["out_proj.bias"]) if out_proj else out


class SelfAttentionSpec(Exercise):
    id = "exercise13"
    class_name = "SelfAttention"
    forward_args = ("x", "key_padding_mask")
    configs = (Config("default", (16, 4)), Config("3-heads", (18, 3)), Config("1-head", (8, 1)))
    name_map = {"out_proj": "attention.out_proj"}
    expected_calls = {"q_proj": (1,), "k_proj": (1,), "v_proj": (1,), "out_proj": (1,)}
    forbidden_ops = {
        "torch.nn.functional.scaled_dot_product_attention": BY_HAND,
        "torch.nn.functional.multi_head_attention_forward": BY_HAND,
    }
    forbidden_modules = {"torch.nn.modules.activation.MultiheadAttention": "it is the reference: " + BY_HAND}

    def reference(self, config: Config) -> nn.Module:
        return AttentionReference(*config.args)

    def to_learner_tensors(self, named: Mapping[str, torch.Tensor | None]) -> dict[str, torch.Tensor | None]:
        """in_proj_weight [3E, E] and in_proj_bias [3E] are q, k and v's, stacked in that order."""
        out = {}
        for name, t in named.items():
            if name.startswith(PACKED):
                kind = name.removeprefix(PACKED)  # weight | bias
                parts = t.chunk(3) if t is not None else (None,) * 3
                out.update({f"{p}_proj.{kind}": part for p, part in zip("qkv", parts, strict=False)})
            else:
                out[self.to_learner_name(name)] = t
        return out

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        length = variant.get("length", 5)
        x = probe(gen, batch, length, config.args[0])
        if not variant.get("mask", True):
            return Inputs((x,))
        # padding at the end of each sample: at least 2 keys kept (with one, every weight is 1 and most
        # mistakes vanish) and 1 hidden (an inverted mask then never hides a whole row: NaN, no diagnosis)
        kept = torch.randint(2, length, (batch,), generator=gen)
        mask = torch.arange(length)[None, :] >= kept[:, None]
        return Inputs((x,), {"key_padding_mask": mask})

    def value_cases(self) -> list[CaseSpec]:
        # without a mask first: a mistake unrelated to the mask is named there, before masked keys muddle it
        return [CaseSpec("values/no-mask", variant={"mask": False}, stages=True),
                CaseSpec("values/default", stages=True),
                CaseSpec("values/length-9", variant={"length": 9}),
                CaseSpec("values/length-1", variant={"length": 1, "mask": False}),
                CaseSpec("values/3-heads", config="3-heads"),
                CaseSpec("values/1-head", config="1-head")]

    def mistakes(self) -> list[Mistake]:
        def variant(**wrong):
            return lambda s, c, x, key_padding_mask=None: attend(s, c, x, key_padding_mask, **wrong)

        def padded_queries_zeroed(s, c, x, key_padding_mask=None):
            return attend(s, c, x, key_padding_mask).masked_fill(key_padding_mask[..., None], 0.0)

        return [
            Mistake("the scores are not scaled: divide q @ k.transpose(-2, -1) by sqrt(head_dim)",
                    variant(scale="none")),
            Mistake("the scores are divided by sqrt(embed_dim): scale by sqrt(head_dim), the size of one head",
                    variant(scale="embed_dim")),
            Mistake("the softmax runs over the queries (dim=-2): each query's weights over the keys must sum to 1, "
                    "softmax(dim=-1)", variant(softmax_dim=-2)),
            Mistake("the key padding mask is ignored: scores of keys where key_padding_mask is True must be -inf "
                    "before the softmax", variant(mask="ignored")),
            Mistake("the mask is inverted: True in key_padding_mask means ignore that key, so fill the scores "
                    "where the mask is True", variant(mask="inverted")),
            Mistake("masked scores are set to 0, which still lets those keys through the softmax: fill them "
                    "with float('-inf')", variant(mask="zero")),
            *(Mistake("the heads are split with .view or .reshape(B, num_heads, T, head_dim), which cuts across "
                      "tokens: "
                      "view(B, T, num_heads, head_dim) and then transpose(1, 2)", variant(split="reshape", merge=merge))
              for merge in ("reshape", "transpose")),
            Mistake("the heads are merged with reshape(B, T, E) straight from [B, heads, T, head_dim], which mixes "
                    "tokens: transpose(1, 2) first", variant(merge="reshape")),
            Mistake("out_proj is missing: the merged heads go through self.out_proj", variant(out_proj=False)),
            Mistake("your output is zero at padded positions: the mask hides keys only, and every position still "
                    "gets its attention output, as nn.MultiheadAttention returns it", padded_queries_zeroed),
        ]


EXERCISE = SelfAttentionSpec()
