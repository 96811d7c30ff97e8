"""exercise9: BasicBlock — the ResNet basic block, identity or downsample shortcut (production models).

Three configs: stride 1 with the identity shortcut (the standard checks), and a downsample
shortcut with stride 2 and with stride 1 (changing only the channels), which the child builds itself
from grader.isolation.constructors (modules cannot travel in the plan). The graded weights give every
BatchNorm random statistics, so that in eval mode a skipped bn1 or bn2 changes the output. Calling
torchvision's BasicBlock, as a module or through its code (a subclass, BasicBlock.forward(self, x)),
is forbidden; the reference is its layers and forward written out (tests/test_references.py checks
that the two agree), so that grading never imports torchvision.
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
    all_cases,
    error_text,
    materialize,
    probe,
    spread_batchnorm,
)

DOWNSAMPLE = "grader.isolation.constructors:downsample"
STRIDE2 = Config("stride2", (8, 16), {"stride": 2, "downsample": {"__build__": DOWNSAMPLE,
                                                                 "args": [8, 16, 2]}})
CHANNELS = Config("channels", (8, 12), {"downsample": {"__build__": DOWNSAMPLE, "args": [8, 12, 1]}})
SHORTCUT_CASES = (CaseSpec("values/stride2", config=STRIDE2.name, stages=True),
                  CaseSpec("values/channels", config=CHANNELS.name, stages=True))
SIZE = 8  # input height and width


class BasicBlockReference(nn.Module):
    """torchvision.models.resnet.BasicBlock (groups 1, base width 64, dilation 1), layer for layer."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


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
    configs = (Config("default", (8, 8)), STRIDE2, CHANNELS)
    forbidden_modules = {"torchvision.models.resnet.BasicBlock": "write the block's forward yourself from its layers"}
    expected_calls = {"conv1": (1,), "bn1": (1,), "conv2": (1,), "bn2": (1,)}

    def reference(self, config: Config) -> nn.Module:
        return spread_batchnorm(BasicBlockReference(*config.args, **materialize(dict(config.kwargs))))

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        return Inputs((probe(gen, batch, config.args[0], SIZE, SIZE),))

    def value_cases(self) -> list[CaseSpec]:
        return [CaseSpec("values/default", stages=True)]  # the downsample shortcuts have their own check

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
        return [CheckDef("values/downsample", "values", ("values/reference",), SHORTCUT_CASES, judge_downsample,
                         "identity = x if self.downsample is None else self.downsample(x)")]


def judge_downsample(ctx: JudgeContext) -> Outcome:
    """The blocks with a downsample shortcut (stride 2, and stride 1 with more channels); when one raises
    (the default config passed), the shortcut is the likely cause."""
    for case in SHORTCUT_CASES:
        error = ctx.obs(case.id)["error"]
        if error:
            config = ctx.exercise.config(case.config)
            (inplanes, planes), stride = config.args, config.kwargs.get("stride", 1)
            side = SIZE // stride
            return Outcome.fail(f"{ctx.cases[case.id].describe()}: Most likely: with "
                                f"{config.describe(ctx.exercise.class_name)}, out is [B, {planes}, {side}, {side}] "
                                f"but x is [B, {inplanes}, {SIZE}, {SIZE}]: when self.downsample is not None the "
                                f"shortcut is self.downsample(x), not x\nforward raised {error_text(error)}")
        outcome = all_cases(ctx, [case.id], "downsample shortcut")
        if outcome.status == "fail":
            return outcome
    return Outcome.ok("the downsample shortcuts (stride 2, and stride 1 with more channels) match the reference")


EXERCISE = BasicBlockSpec()
