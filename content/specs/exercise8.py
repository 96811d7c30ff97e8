"""exercise8: RegularizedMLP — fc1, BatchNorm, ReLU, dropout in training only, fc2 (seed 001, expert zone 3).

The standard checks run in eval mode, where dropout is off and BatchNorm uses its running
statistics (random ones, so that a skipped or misplaced BatchNorm shows). The mode checks add:

- mode/eval (before values): the same input under two random seeds gives the same output, so a
  dropout left on in eval mode is named as such rather than as a values mismatch;
- mode/train-dropout: in train mode the output must be a valid dropout. Matching nn.Dropout draw
  for draw under the same seed is not required, since a hand-written mask (torch.rand_like(h) >= p)
  is as right as F.dropout but draws different random numbers, and on CUDA the generator differs
  anyway. Instead the "probe" config makes fc2 square and orthogonal, so fc2's input can be
  recovered exactly from the output: each of its units must be either 0 or relu(bn(fc1(x))) / (1 - p)
  with BatchNorm on the batch's statistics, and about a fraction p of them must be 0. The scale
  tells a missing 1/(1-p) or a fixed p apart deterministically; only the drop rate is statistical
  (32 x 32 units, tolerance 0.1, about five standard deviations);
- mode/batchnorm: one train-mode forward updates the running statistics as the reference does
  (eval-mode forwards must leave them alone, which purity/parameters checks).
"""

from __future__ import annotations

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
    case_error,
    error_text,
    mismatch,
    probe,
    spread_batchnorm,
)

DEFAULT = Config("default", kwargs={"in_features": 20, "hidden": 64, "out_features": 3, "p": 0.5})
PROBE = Config("probe", kwargs={"in_features": 12, "hidden": 32, "out_features": 32, "p": 0.25})

EVAL_RUNS = (CaseSpec("mode/eval-seed-1", batch=8, seed=1), CaseSpec("mode/eval-seed-2", batch=8, seed=2))
TRAIN = CaseSpec("mode/train", batch=16, train=True, seed=3)
TRAIN_PROBE = CaseSpec("mode/train-probe", config=PROBE.name, batch=32, train=True, seed=4)

ATOL = 1e-4  # units recovered from a float32 output through a 32x32 orthogonal matrix are good to ~1e-6
DROP_RATE_TOLERANCE = 0.1


def _bn(s: dict, h: torch.Tensor, batch_stats: bool = False) -> torch.Tensor:
    return F.batch_norm(h, s["bn.running_mean"].clone(), s["bn.running_var"].clone(), s["bn.weight"], s["bn.bias"],
                        training=batch_stats)


def _fc(s: dict, name: str, h: torch.Tensor) -> torch.Tensor:
    return F.linear(h, s[f"{name}.weight"], s[f"{name}.bias"])


class RegularizedMLPSpec(Exercise):
    id = "exercise8"
    class_name = "RegularizedMLP"
    configs = (DEFAULT, PROBE)
    name_map = {"fc1": "0", "bn": "1", "fc2": "4"}  # the reference is nn.Sequential(fc1, bn, ReLU, Dropout, fc2)
    expected_calls = {"fc1": (1,), "bn": (1,), "fc2": (1,)}
    train_deterministic = False  # a hand-written dropout mask draws its own random numbers (see mode/train-dropout)

    def reference(self, config: Config) -> nn.Module:
        k = config.kwargs
        model = nn.Sequential(nn.Linear(k["in_features"], k["hidden"]), nn.BatchNorm1d(k["hidden"]), nn.ReLU(),
                              nn.Dropout(k["p"]), nn.Linear(k["hidden"], k["out_features"]))
        if config.name == PROBE.name:
            nn.init.orthogonal_(model[4].weight)  # lets the judge recover fc2's input from the output
        return spread_batchnorm(model)

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        return Inputs((probe(gen, batch, config.kwargs["in_features"]),))

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake("your output equals the model without BatchNorm: did you forget self.bn after fc1?",
                    lambda s, c, x: _fc(s, "fc2", F.relu(_fc(s, "fc1", x)))),
            Mistake("your output has the ReLU before BatchNorm: the order is fc1, bn, ReLU, dropout, fc2",
                    lambda s, c, x: _fc(s, "fc2", _bn(s, F.relu(_fc(s, "fc1", x))))),
            Mistake("your output equals the reference without the ReLU: did you forget the activation after bn?",
                    lambda s, c, x: _fc(s, "fc2", _bn(s, _fc(s, "fc1", x)))),
            Mistake("in eval mode your BatchNorm normalises with the batch's own statistics: it must use its running "
                    "statistics there; call self.bn(h), which follows model.train() and model.eval()",
                    lambda s, c, x: _fc(s, "fc2", F.relu(_bn(s, _fc(s, "fc1", x), batch_stats=True)))),
            Mistake("your output has a ReLU after fc2: the output layer has no activation",
                    lambda s, c, x: F.relu(_fc(s, "fc2", F.relu(_bn(s, _fc(s, "fc1", x)))))),
        ]

    def early_checks(self) -> list[CheckDef]:
        return [CheckDef("mode/eval", "mode", ("shape/output",), EVAL_RUNS, judge_eval_deterministic,
                         "F.dropout(h, p) is always in training mode: "
                         "write F.dropout(h, self.p, training=self.training)")]

    def extra_checks(self) -> list[CheckDef]:
        return [
            CheckDef("mode/train-dropout", "mode", ("values/reference",), (TRAIN, TRAIN_PROBE), judge_train_dropout,
                     "F.dropout(h, self.p, training=self.training) drops each unit with probability p and scales "
                     "the kept ones by 1/(1-p)"),
            CheckDef("mode/batchnorm", "mode", ("values/reference",), (TRAIN,), judge_running_stats,
                     "call self.bn(h): in train mode it normalises with the batch's statistics and updates "
                     "running_mean and running_var; in eval mode it uses them and leaves them alone"),
        ]


def judge_eval_deterministic(ctx: JudgeContext) -> Outcome:
    """Two eval-mode forwards of the same input under different random seeds must agree."""
    for case in EVAL_RUNS:
        error = case_error(ctx, case.id)
        if error:
            return error
    first, second = (ctx.obs(case.id)["output"] for case in EVAL_RUNS)
    if mismatch(first, second, **ctx.tolerance) is not None:
        return Outcome.fail("in eval mode the same input gave different outputs under two random seeds: dropout "
                            "must be off in eval mode. F.dropout(h, p) without training=self.training drops in both "
                            "modes, and so does an nn.Dropout created inside forward (new modules start in train mode)")
    return Outcome.ok("eval mode is deterministic: the same input gives the same output whatever the random seed")


def judge_train_dropout(ctx: JudgeContext) -> Outcome:
    for case in (TRAIN, TRAIN_PROBE):
        error = case_error(ctx, case.id)
        if error:
            return Outcome.fail(f"in train mode: {error.message}", error.hint)
    fault = probe_fault(ctx)
    if fault:
        where = f"config {PROBE.describe(ctx.exercise.class_name)}, batch {TRAIN_PROBE.batch}"
        return Outcome.fail(f"in train mode ({where}): {fault}")
    if mismatch(ctx.obs(TRAIN.id)["output"], ctx.reference[TRAIN.id]["output"], **ctx.tolerance) is None:
        return Outcome.ok("train mode matches nn.Dropout draw for draw under the same random seed")
    return Outcome.ok("train mode applies a valid dropout (each unit dropped with probability p, kept ones scaled by "
                      "1/(1-p)); its random draws differ from nn.Dropout's, which is fine")


def probe_fault(ctx: JudgeContext) -> str | None:
    """What is wrong with the probe's train-mode output as a dropout of relu(bn(fc1(x))), or None."""
    s = {k: v.double() for k, v in ctx.states[PROBE.name].items()}
    x = ctx.inputs[TRAIN_PROBE.id].args[0].double()
    p = PROBE.kwargs["p"]
    # fc2's input, recovered from its output: out = units @ W.T + b with W orthogonal
    units = (ctx.obs(TRAIN_PROBE.id)["output"].double() - s["fc2.bias"]) @ s["fc2.weight"]
    h = _fc(s, "fc1", x)
    found = _as_dropout(units, F.relu(_bn(s, h, batch_stats=True)))
    if found is None:
        if _as_dropout(units, F.relu(_bn(s, h))) is not None:
            return ("BatchNorm normalised with its running statistics: in training it must use the batch's own; "
                    "call self.bn(h), which follows model.train() and model.eval()")
        return ("the input of fc2 is not a dropout of relu(bn(fc1(x))): each of its units should be either 0 (dropped) "
                "or relu(bn(fc1(x))) / (1 - p) (kept). Keep the order fc1, bn, ReLU, dropout, fc2")
    scale, dropped = found
    if dropped < 0.02 and abs(scale - 1) < 1e-3:
        return ("nothing is dropped: dropout must be active in training mode; "
                "pass training=self.training to F.dropout")
    if abs(scale * (1 - p) - 1) > 1e-3:
        if abs(scale - 1) < 1e-3:
            return (f"{dropped:.0%} of the units are dropped but the kept ones are not scaled by 1/(1-p): without the "
                    "1/(1-p) rescale (x * mask alone) the train-mode output is smaller on average than the eval-mode "
                    "one; F.dropout rescales for you")
        return (f"the kept units are scaled by {scale:.4g} = 1/(1-{1 - 1 / scale:.3g}), but this model has p={p}, so "
                f"they should be scaled by 1/(1-p) = {1 / (1 - p):.4g}: use self.p, not a fixed probability")
    if abs(dropped - p) > DROP_RATE_TOLERANCE:
        return (f"{dropped:.0%} of the units are dropped, expected about p = {p:.0%}: each unit must be dropped "
                "with probability p (and kept with probability 1 - p)")
    return None


def _as_dropout(units: torch.Tensor, kept: torch.Tensor) -> tuple[float, float] | None:
    """(scale, dropped fraction) when every unit is 0 or scale * kept, with one scale for all; else None."""
    zero = units.abs() <= ATOL
    alive = kept > 1e-2  # clearly positive: dropping it shows
    survivors = alive & ~zero
    if not survivors.any():
        return None
    scale = (units[survivors] / kept[survivors]).median().item()
    fits = zero | ((units - scale * kept).abs() <= ATOL * (1 + (scale * kept).abs()))
    if not fits.all():
        return None
    return scale, (zero & alive).sum().item() / alive.sum().item()


def judge_running_stats(ctx: JudgeContext) -> Outcome:
    obs, ref = ctx.obs(TRAIN.id), ctx.reference[TRAIN.id]
    if obs["error"]:
        return Outcome.fail(f"in train mode forward raised {error_text(obs['error'])}")
    before = ctx.states[TRAIN.config]
    for ref_name, expected in ref["buffers_after"].items():
        name = ctx.exercise.to_learner_name(ref_name)
        got = obs["buffers_after"].get(name)
        diff = mismatch(got, expected, **ctx.tolerance)
        if diff is None:
            continue
        if isinstance(got, torch.Tensor) and torch.equal(got, before[name]):
            return Outcome.fail(f"{name} did not change in a train-mode forward: BatchNorm must update its running "
                                "statistics in training (call self.bn(h), or F.batch_norm with the running buffers "
                                "and training=self.training)")
        return Outcome.fail(f"after one train-mode forward, {name} differs from the reference's. {diff}")
    return Outcome.ok("a train-mode forward updates BatchNorm's running statistics as the reference does")


EXERCISE = RegularizedMLPSpec()
