"""exercise12: PositionalMLP — sinusoidal positions built inside forward on x's device and in x's
dtype, then a projection (seed 001's production patterns and expert zone 1)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import CaseSpec, Config, Exercise, Inputs, Mistake, probe


def sinusoids(length: int, dim: int, device: torch.device, *, start: int = 0, exponent: str = "2i",
              swap: bool = False, halves: bool = False) -> torch.Tensor:
    """The [length, dim] table in float64: pe[t, 2i] = sin(t / 10000**(2i/dim)), pe[t, 2i+1] = cos(...).

    The keyword arguments make the known wrong tables: positions from `start`, the exponent taken
    from "i" or the column index "j", sin and cos swapped, or [sin | cos] halves instead of interleaved.
    """
    t = torch.arange(start, start + length, dtype=torch.float64, device=device)[:, None]
    two_i = torch.arange(0, dim, 2, dtype=torch.float64, device=device)
    even_power = two_i / 2 if exponent == "i" else two_i
    odd_power = two_i + 1 if exponent == "j" else even_power  # "j": each column's own index
    even, odd = t / 10000 ** (even_power / dim), t / 10000 ** (odd_power / dim)
    first, second = (torch.cos(even), torch.sin(odd)) if swap else (torch.sin(even), torch.cos(odd))
    if halves:
        return torch.cat([first, second], dim=1)
    return torch.stack([first, second], dim=2).flatten(1)


class PositionalReference(nn.Module):
    def __init__(self, dim: int = 16) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # built exactly (float64) then rounded once to x's dtype: every correct order of operations
        # is within that dtype's rounding of it (see dtype_tolerances)
        return self.proj(x + sinusoids(x.size(1), x.size(2), x.device).to(x.dtype))


def _proj(s: dict, x: torch.Tensor) -> torch.Tensor:
    return F.linear(x, s["proj.weight"], s["proj.bias"])


def _table(x: torch.Tensor, **wrong) -> torch.Tensor:
    return sinusoids(x.size(1), x.size(2), x.device, **wrong).to(x.dtype)


class PositionalMLPSpec(Exercise):
    id = "exercise12"
    class_name = "PositionalMLP"
    configs = (Config("default", kwargs={"dim": 16}), Config("dim-10", kwargs={"dim": 10}))
    expected_calls = {"proj": (1,)}
    # the table is built in x's dtype: in float64 at float64's precision (one built in float32 and cast
    # fails), and in bfloat16 all of positions, powers and angles rounded to 8 bits is right too
    dtype_tolerances = {"bfloat16": (1.6e-2, 2e-2)}
    error_meanings = {
        r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at non-singleton dimension 1":
            "the positional table has {1} positions where x has {0} (or the other way round): build pe for "
            "this x's length, x.size(1), on every call (a table kept from an earlier call, or sliced with the "
            "batch size, has the wrong length)",
    }
    equivalent_mutants = {
        "cut-graph#2@14:8": "t = torch.arange(T, ...).unsqueeze(1) is a constant without a gradient: detaching it "
                            "changes neither the output nor any gradient",
    }

    def reference(self, config: Config) -> nn.Module:
        return PositionalReference(**config.kwargs)

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        return Inputs((probe(gen, batch, variant.get("length", 6), config.kwargs["dim"]),))

    def value_cases(self) -> list[CaseSpec]:
        return [CaseSpec("values/default", stages=True),
                CaseSpec("values/length-11", variant={"length": 11}),
                CaseSpec("values/length-1", variant={"length": 1}),
                CaseSpec("values/dim-10", config="dim-10", variant={"length": 7})]

    def mistakes(self) -> list[Mistake]:
        def by_batch(s, c, x):
            # a table of fixed length sliced with x.size(0), the batch size, instead of x.size(1)
            table = sinusoids(max(x.size(0), x.size(1)), x.size(2), x.device).to(x.dtype)
            return _proj(s, x + table[: x.size(0)].unsqueeze(1))

        return [
            Mistake("sin and cos are swapped: the even columns pe[:, 0::2] hold sin, the odd ones pe[:, 1::2] cos",
                    lambda s, c, x: _proj(s, x + _table(x, swap=True))),
            Mistake("your output is proj(x): the positional encoding pe was never added to x",
                    lambda s, c, x: _proj(s, x)),
            Mistake("pe is added after the projection: compute proj(x + pe), not proj(x) + pe",
                    lambda s, c, x: _proj(s, x) + _table(x)),
            Mistake("the exponent uses i instead of 2i: the frequency of columns 2i and 2i+1 is 1 / 10000**(2i/dim)",
                    lambda s, c, x: _proj(s, x + _table(x, exponent="i"))),
            Mistake("the exponent uses each column's own index: columns 2i and 2i+1 share the frequency "
                    "1 / 10000**(2i/dim), so the cos column uses 2i too, not 2i+1",
                    lambda s, c, x: _proj(s, x + _table(x, exponent="j"))),
            Mistake("pe puts all the sin columns first and all the cos columns after: they interleave, "
                    "sin in the even columns pe[:, 0::2] and cos in the odd ones pe[:, 1::2]",
                    lambda s, c, x: _proj(s, x + _table(x, halves=True))),
            Mistake("positions start at 1: the first position is t = 0 (torch.arange(T))",
                    lambda s, c, x: _proj(s, x + _table(x, start=1))),
            Mistake("pe is sliced with the batch size: x is [B, T, dim], so the positions are T = x.size(1), "
                    "not x.size(0)", by_batch),
            Mistake("x is scaled by sqrt(dim) before pe is added: the task adds pe to x as it is",
                    lambda s, c, x: _proj(s, x * math.sqrt(x.size(2)) + _table(x))),
        ]


EXERCISE = PositionalMLPSpec()
