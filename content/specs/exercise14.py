"""exercise14: GatedResidual — a per-sample decision made with tensor ops, so torch.export works
(seed 002's expert zone on static graphs, seed 001's "when not to use")."""

from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import (
    CaseSpec,
    CheckDef,
    Config,
    Exercise,
    Inputs,
    JudgeContext,
    Mistake,
    Outcome,
    all_cases,
    error_text,
    randn,
)

EXPORT = "export/dynamic-batch"
EXPORT_BATCH = 5  # the program is exported on 2 samples and run on all 5 (see runner.exported_call)


class GatedResidualReference(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.gate = nn.Linear(dim, 1)
        self.body = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.where(self.gate(x) > 0, x + self.body(x), x)


def _gate(s: dict, x: torch.Tensor) -> torch.Tensor:
    return F.linear(x, s["gate.weight"], s["gate.bias"])


def _body(s: dict, x: torch.Tensor) -> torch.Tensor:
    return F.linear(x, s["body.weight"], s["body.bias"])


class GatedResidualSpec(Exercise):
    id = "exercise14"
    class_name = "GatedResidual"
    configs = (Config("default", (8,)),)

    def reference(self, config: Config) -> nn.Module:
        return GatedResidualReference(*config.args)

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        # samples in near-opposite pairs: gate.weight @ x flips sign within a pair, so (the bias being
        # small) the gate opens for one and not the other, and one decision for a whole batch cannot match
        dim, half = config.args[0], (batch + 1) // 2
        base = randn(gen, half, dim, scale=2.0)
        pairs = torch.stack([base, -base + randn(gen, half, dim, scale=0.1)], dim=1)
        return Inputs((pairs.reshape(-1, dim)[:batch],))

    def well_posed(self, reference: nn.Module, inputs: Inputs, dtype: str | None) -> bool:
        """Gates open and closed in every batch of two or more (else one decision for the whole batch, or
        a wrong branch for closed gates, could match), and each clear of 0 by more than rounding (a
        sample within it may go either way in a correct forward that sums in another order): 5% of its
        terms' size in half precision."""
        x = inputs.args[0].double()
        gate = cast(nn.Linear, reference.gate)
        terms = x.abs() @ gate.weight.double().abs().T + gate.bias.double().abs()
        value = x @ gate.weight.double().T + gate.bias.double()
        margin = 0.05 if dtype in ("float16", "bfloat16") else 1e-4
        both = len(x) < 2 or bool((value > 0).any() and (value < 0).any())
        return both and bool((value.abs() > margin * terms).all())

    def calls_expected(self, case: CaseSpec) -> dict[str, tuple[int, ...]]:
        # once on the whole batch, or once per sample in a Python loop (which export then rejects)
        per_sample = tuple(range(1, case.batch + 1))
        return {"gate": per_sample, "body": per_sample}

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake("your output is x + sigmoid(gate(x)) * body(x): the gate is a yes/no decision per sample "
                    "(gate(x) > 0), not a weight to multiply by",
                    lambda s, c, x: x + torch.sigmoid(_gate(s, x)) * _body(s, x)),
            Mistake("your output is x + gate(x) * body(x): the gate is a yes/no decision per sample (gate(x) > 0), "
                    "not a weight to multiply by",
                    lambda s, c, x: x + _gate(s, x) * _body(s, x)),
            Mistake("your condition is inverted: samples whose gate(x) is negative get the update; "
                    "it belongs to those with gate(x) > 0",
                    lambda s, c, x: torch.where(_gate(s, x) < 0, x + _body(s, x), x)),
            Mistake("the residual is missing: a gated sample should become x + body(x), not body(x)",
                    lambda s, c, x: torch.where(_gate(s, x) > 0, _body(s, x), x)),
            Mistake("samples whose gate(x) is not positive come out as zeros: they should come out unchanged, as x",
                    lambda s, c, x: torch.where(_gate(s, x) > 0, x + _body(s, x), torch.zeros_like(x))),
            Mistake("every sample got x + body(x): the gate must decide for each sample on its own (did you ignore "
                    "the gate, or take one decision for the whole batch with a Python `if` on gate.mean() or .any()?)",
                    lambda s, c, x: x + _body(s, x)),
            Mistake("every sample came out unchanged: the gate must decide for each sample on its own (did you take "
                    "one decision for the whole batch with a Python `if` on gate.all() or gate.mean()?)",
                    lambda s, c, x: x.clone()),
        ]

    def extra_checks(self) -> list[CheckDef]:
        case = CaseSpec(EXPORT, batch=EXPORT_BATCH, export=True)
        return [CheckDef(EXPORT, "export", ("values/reference",), (case,), judge_export,
                         "compute both candidates and choose per sample with tensor operations: torch.where("
                         "self.gate(x) > 0, x + self.body(x), x); no Python if, loop or .item() on tensors")]


def judge_export(ctx: JudgeContext) -> Outcome:
    """torch.export.export with a dynamic batch succeeded in the child, and its program matches the reference."""
    err = ctx.obs(EXPORT)["error"]
    if err:
        return Outcome.fail(f"{_why_export_failed(err['message'])} torch.export.export(model, (x,), "
                            f"dynamic_shapes=...) raised {error_text(err)}")
    outcome = all_cases(ctx, [EXPORT], "exported")
    if outcome.status != "pass":
        return Outcome.fail(f"the exported program, run on a batch of {EXPORT_BATCH}, differs from the reference: "
                            f"{outcome.message}")
    return Outcome.ok(f"torch.export.export succeeded with a dynamic batch dimension; the exported program matches "
                      f"the reference on a batch of {EXPORT_BATCH}")


def _why_export_failed(message: str) -> str:
    text = message.lower()
    if any(word in text for word in ("data-dependent", "symbool", "symint", "symfloat")):
        return ("forward takes a Python decision (if, while, bool(), .item()) on a tensor's value: that is "
                "data-dependent control flow, which torch.export cannot record in one graph for every input. "
                "Compute both results and select per sample with torch.where(condition, if_true, if_false).")
    if "specializ" in text or "constraints violated" in text:
        return ("forward fixes the batch size (a Python loop over the samples, or a size written as a number), "
                "so export cannot keep the batch dimension dynamic: work on the whole batch with tensor operations.")
    return "torch.export could not capture forward as one graph."


EXERCISE = GatedResidualSpec()
