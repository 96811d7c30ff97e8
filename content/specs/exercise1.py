"""exercise1: ManualLinear — x @ weight.T + bias without F.linear or nn.Linear (seed 001, steps 2-4)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import CaseSpec, CheckDef, Config, Exercise, Inputs, Mistake, Outcome, probe

LEAD = "extra leading dims"  # a variant key; failure messages show it as "extra leading dims=(2, 3)"


class ManualLinearSpec(Exercise):
    id = "exercise1"
    class_name = "ManualLinear"
    configs = (Config("default", (20, 12)), Config("one-output", (5, 1)))
    forbidden_ops = {"torch.nn.functional.linear": "compute x @ weight.T + bias yourself instead of calling F.linear"}
    forbidden_modules = {"torch.nn.modules.linear.Linear": "write the matrix product yourself instead of using "
                                                           "nn.Linear"}
    error_meanings = {
        r"mat1 and mat2 shapes cannot be multiplied|size mismatch, got input":
            "x @ self.weight multiplies by the weight as stored, [out_features, in_features]: multiply by its "
            "transpose, x @ self.weight.T",
    }

    def reference(self, config: Config) -> nn.Module:
        return nn.Linear(*config.args)  # its forward is F.linear, the named reference

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        lead = tuple(variant.get(LEAD, ()))
        return Inputs((probe(gen, batch, *lead, config.args[0]),))

    def value_cases(self) -> list[CaseSpec]:
        return [CaseSpec("values/default", stages=True),
                CaseSpec("values/leading-dims", variant={LEAD: (2, 3)}),
                CaseSpec("values/one-output", config="one-output")]

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake("your output equals x @ weight.T without the bias: did you forget to add self.bias?",
                    lambda s, c, x: x @ s["weight"].T),
            Mistake("your output equals x @ weight.T - bias: the bias is added, not subtracted",
                    lambda s, c, x: x @ s["weight"].T - s["bias"]),
            Mistake("your output has a ReLU applied: a linear layer has no activation",
                    lambda s, c, x: F.relu(x @ s["weight"].T + s["bias"])),
            Mistake("your output is (x @ weight.T) * bias: the bias is added, not multiplied",
                    lambda s, c, x: (x @ s["weight"].T) * s["bias"]),
            Mistake("your output has the bias added twice: x @ weight.T + bias, once",
                    lambda s, c, x: x @ s["weight"].T + 2 * s["bias"]),
            Mistake("your forward uses |x|: the input may be negative, and a linear layer takes it as it is",
                    lambda s, c, x: x.abs() @ s["weight"].T + s["bias"]),
            Mistake("your forward clamps x to be non-negative (clamp(min=0), relu): the input may be negative, and "
                    "a linear layer takes it as it is",
                    lambda s, c, x: x.clamp(min=0) @ s["weight"].T + s["bias"]),
        ]

    def extra_checks(self) -> list[CheckDef]:
        return [CheckDef("load/init", "load", ("load/construct",), (), judge_init,
                         hint="create the parameters as nn.Linear does: nn.init.kaiming_uniform_(w, a=math.sqrt(5)) "
                              "and a uniform bias in ±1/sqrt(in_features)")]


def judge_init(ctx) -> Outcome:
    """weight and bias initialised as nn.Linear does: uniform within ±1/sqrt(in_features), not constant."""
    state = ctx.init_state("default")
    in_features, out_features = ctx.exercise.config("default").args
    bound = 1 / math.sqrt(in_features)
    for name, shape in (("weight", (out_features, in_features)), ("bias", (out_features,))):
        t = state.get(name)
        if t is None:
            return Outcome.fail(f"no parameter named {name} after __init__")
        if tuple(t.shape) != shape:
            return Outcome.fail(f"{name} has shape {list(t.shape)}, expected {list(shape)}")
        if t.abs().max() > bound * 1.0001:
            return Outcome.fail(f"{name} has values up to {t.abs().max():.3g}, beyond nn.Linear's bound ±{bound:.3g}")
        if t.std() < bound / math.sqrt(3) * 0.5:
            return Outcome.fail(f"{name} is (nearly) constant: nn.Linear draws it uniformly from ±1/sqrt(in_features)")
    return Outcome.ok("weight and bias are initialised as nn.Linear does")


EXERCISE = ManualLinearSpec()
