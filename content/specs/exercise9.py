"""exercise9: BasicBlock — the ResNet basic block, identity or downsample shortcut (production models).

Two configs: stride 1 with the identity shortcut (the standard checks), and stride 2 with a
downsample module, which the child builds itself from grader.isolation.constructors (modules cannot travel in
the plan). The graded weights give every BatchNorm random statistics, so that in eval mode a
skipped bn1 or bn2 changes the output. Calling torchvision's BasicBlock, as a module or through
its code (a subclass, BasicBlock.forward(self, x)), is forbidden.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from grader.judging.checks import CheckDef, JudgeContext, Outcome, all_cases
from grader.judging.spec import CaseSpec, Config, Exercise, Inputs, Mistake, randn, spread_batchnorm

DOWNSAMPLE = "grader.isolation.constructors:downsample"
STRIDE2 = Config("stride2", (8, 16), {"stride": 2, "downsample": {"__build__": DOWNSAMPLE,
                                                                 "args": [8, 16, 2]}})
STRIDE2_CASE = CaseSpec("values/stride2", config=STRIDE2.name, stages=True)
SIZE = 8  # input height and width


def _bn(s: dict, name: str, t: torch.Tensor) -> torch.Tensor:
    return F.batch_norm(t, s[f"{name}.running_mean"], s[f"{name}.running_var"], s[f"{name}.weight"], s[f"{name}.bias"])


def _branch(s: dict, c: Config, x: torch.Tensor, bn1: bool = True, relu: bool = True, bn2: bool = True) -> torch.Tensor:
    """bn2(conv2(relu(bn1(conv1(x))))), with any of bn1, the ReLU or bn2 left out."""
    out = F.conv2d(x, s["conv1.weight"], stride=c.kwargs.get("stride", 1), padding=1)
    out = _bn(s, "bn1", out) if bn1 else out
    out = F.relu(out) if relu else out
    out = F.conv2d(out, s["conv2.weight"], padding=1)
    return _bn(s, "bn2", out) if bn2 else out


def _shortcut(s: dict, c: Config, x: torch.Tensor) -> torch.Tensor:
    if "downsample.0.weight" not in s:
        return x
    return _bn(s, "downsample.1", F.conv2d(x, s["downsample.0.weight"], stride=c.kwargs["stride"]))


class BasicBlockSpec(Exercise):
    id = "exercise9"
    class_name = "BasicBlock"
    configs = (Config("default", (8, 8)), STRIDE2)
    forbidden_modules = {"torchvision.models.resnet.BasicBlock": "write the block's forward yourself from its layers"}
    expected_calls = {"conv1": (1,), "bn1": (1,), "conv2": (1,), "bn2": (1,)}

    def reference(self, config: Config) -> nn.Module:
        from torchvision.models.resnet import BasicBlock  # imported here: judging never needs it

        from grader.isolation.child import materialize

        return spread_batchnorm(BasicBlock(*config.args, **materialize(dict(config.kwargs))))

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        return Inputs((randn(gen, batch, config.args[0], SIZE, SIZE),))

    def value_cases(self) -> list[CaseSpec]:
        return [CaseSpec("values/default", stages=True)]  # stride 2 has its own check, values/stride2

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake("your output is relu(relu(bn2(conv2(...))) + shortcut): the ReLU belongs after the residual add "
                    "only, not before it",
                    lambda s, c, x: F.relu(F.relu(_branch(s, c, x)) + _shortcut(s, c, x))),
            Mistake("your output is relu(bn2(conv2(...))) + shortcut: the ReLU must come after the residual add",
                    lambda s, c, x: F.relu(_branch(s, c, x)) + _shortcut(s, c, x)),
            Mistake("your output has no residual connection: add the shortcut (x, or downsample(x)) to bn2's output "
                    "before the final ReLU",
                    lambda s, c, x: F.relu(_branch(s, c, x))),
            Mistake("your output is bn2(conv2(...)) + shortcut without the final ReLU: apply self.relu after the add",
                    lambda s, c, x: _branch(s, c, x) + _shortcut(s, c, x)),
            Mistake("your output skips bn2: conv2's output goes through self.bn2 before the add",
                    lambda s, c, x: F.relu(_branch(s, c, x, bn2=False) + _shortcut(s, c, x))),
            Mistake("your output skips bn1: conv1's output goes through self.bn1 before the ReLU",
                    lambda s, c, x: F.relu(_branch(s, c, x, bn1=False) + _shortcut(s, c, x))),
            Mistake("your output has no ReLU between bn1 and conv2",
                    lambda s, c, x: F.relu(_branch(s, c, x, relu=False) + _shortcut(s, c, x))),
        ]

    def extra_checks(self) -> list[CheckDef]:
        return [CheckDef("values/stride2", "values", ("values/reference",), (STRIDE2_CASE,), judge_stride2,
                         "identity = x if self.downsample is None else self.downsample(x)")]


def judge_stride2(ctx: JudgeContext) -> Outcome:
    """The stride-2 block; when it raises (the default config passed), the shortcut is the likely cause."""
    outcome = all_cases(ctx, [STRIDE2_CASE.id], "stride 2 with downsample")
    if outcome.status == "fail" and ctx.obs(STRIDE2_CASE.id)["error"]:
        inplanes, planes = STRIDE2.args
        half = SIZE // STRIDE2.kwargs["stride"]
        return Outcome.fail(f"{outcome.message}\nWith stride 2, out is [B, {planes}, {half}, {half}] but x is "
                            f"[B, {inplanes}, {SIZE}, {SIZE}]: when self.downsample is not None the shortcut is "
                            "self.downsample(x), not x")
    return outcome


EXERCISE = BasicBlockSpec()
