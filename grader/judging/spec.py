"""How an exercise is declared: a subclass of `Exercise` in a content pack's `specs/ID.py` (the
module's `EXERCISE` is an instance of it; see grader.course.registry; packs import it from
grader.authoring).

An exercise is data plus a reference: the class name and constructor arguments, the reference
module, how to make inputs, which functions are forbidden, which submodules must be called, and
the known mistakes to recognise. grader.judging turns that into cases and checks; adding an
exercise never means editing the grader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import nn


@dataclass(frozen=True)
class Config:
    """One way the grader constructs the learner's class: `cls(*args, **kwargs)`."""

    name: str = "default"
    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def describe(self, class_name: str) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{class_name}({', '.join(parts)})"


@dataclass(frozen=True)
class Inputs:
    """Positional and keyword arguments of one forward call."""

    args: tuple
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Mistake:
    """A known wrong forward, evaluated as an alternative reference.

    `forward(state, config, *args, **kwargs)` computes what the mistaken code would return, from
    the learner-named weights in `state`. When the learner's output matches it, `message` is shown.
    """

    message: str
    forward: Callable[..., Any]


@dataclass(frozen=True)
class CaseSpec:
    """One forward call the grader makes: which config, batch, mode, dtype, device and input variant."""

    id: str
    config: str = "default"
    batch: int = 4
    train: bool = False
    seed: int | None = None
    dtype: str | None = None
    device: str | None = None
    grad: bool = False
    stages: bool = False
    # run through torch.export (dynamic batch dimension) instead of calling the model; see runner.exported_call
    export: bool = False
    variant: Mapping[str, Any] = field(default_factory=dict)


class SpecError(ValueError):
    """An exercise declared wrongly (by its author, not the learner), at `line` of its spec when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class Exercise:
    """Base class of every exercise. Override the class attributes and `reference`/`inputs`."""

    id: ClassVar[str]
    class_name: ClassVar[str]
    forward_args: ClassVar[tuple[str, ...]] = ("x",)
    configs: ClassVar[tuple[Config, ...]] = (Config(),)
    # learner module prefix -> reference module prefix, for state_dict names and stage outputs
    name_map: ClassVar[Mapping[str, str]] = {}
    main_batch: ClassVar[int] = 4
    batch_sizes: ClassVar[tuple[int, ...]] = (1, 3, 8)
    forbidden_ops: ClassVar[Mapping[str, str]] = {}  # torch function name -> why it is forbidden
    forbidden_modules: ClassVar[Mapping[str, str]] = {}  # module class path -> why
    dtypes: ClassVar[tuple[str, ...]] = ("float64",)
    check_device: ClassVar[bool] = True
    check_grad: ClassVar[bool] = True
    # submodule name -> allowed call counts per forward; names not listed are free (e.g. self.relu
    # may be replaced by F.relu). The root module "" is always checked for exactly one call.
    expected_calls: ClassVar[Mapping[str, tuple[int, ...]]] = {}
    rtol: ClassVar[float | None] = None
    atol: ClassVar[float | None] = None
    # dtype name -> (rtol, atol) for the cases run in that dtype, where equivalent correct forwards
    # round differently (e.g. a table built in float32 then cast vs built in bfloat16)
    dtype_tolerances: ClassVar[Mapping[str, tuple[float, float]]] = {}

    def reference(self, config: Config) -> nn.Module:
        """The reference module, freshly initialised (grader.judging.prepare seeds torch first)."""
        raise NotImplementedError

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant: Mapping[str, Any]) -> Inputs:
        raise NotImplementedError

    def config(self, name: str) -> Config:
        return next(c for c in self.configs if c.name == name)

    def calls_expected(self, case: CaseSpec) -> Mapping[str, tuple[int, ...]]:
        """Allowed hook counts for `case`; override when they depend on the input (e.g. time steps)."""
        return self.expected_calls

    def mistakes(self) -> list[Mistake]:
        return []

    def value_cases(self) -> list[CaseSpec]:
        """The cases whose outputs must match the reference (check values/reference)."""
        return [CaseSpec(id=f"values/{c.name}", config=c.name, batch=self.main_batch, stages=True)
                for c in self.configs]

    def extra_checks(self) -> list:
        """Exercise-specific checks (grader.judging.checks.CheckDef), e.g. train-mode behaviour or export."""
        return []

    def early_checks(self) -> list:
        """Exercise-specific checks judged right after shape/output, before purity and values: for a
        property whose failure explains a values mismatch better than the numbers do (e.g. dropout
        left on in eval mode makes every output differ)."""
        return []

    # --- weights ---------------------------------------------------------------------------
    def to_reference_name(self, learner_name: str) -> str:
        return _rename(learner_name, self.name_map)

    def to_learner_name(self, reference_name: str) -> str:
        return _rename(reference_name, {v: k for k, v in self.name_map.items()})

    def learner_state(self, reference: nn.Module) -> dict[str, torch.Tensor]:
        """The reference's weights under the learner's attribute names."""
        named = self.to_learner_tensors(reference.state_dict())
        return {n: t.detach().clone() for n, t in named.items() if t is not None}

    def to_learner_tensors(self, named: Mapping[str, torch.Tensor | None]) -> dict[str, torch.Tensor | None]:
        """Reference-named tensors (weights, or their gradients) under the learner's names. Override
        when one reference tensor holds several of the learner's (e.g. packed q/k/v projections)."""
        return {self.to_learner_name(n): t for n, t in named.items()}


def _rename(name: str, prefixes: Mapping[str, str]) -> str:
    for old in sorted(prefixes, key=len, reverse=True):
        if name == old or name.startswith(old + "."):
            return prefixes[old] + name[len(old):]
    return name


def randn(gen: torch.Generator, *shape: int, scale: float = 1.0) -> torch.Tensor:
    """Seeded standard-normal input."""
    return torch.randn(*shape, generator=gen) * scale


def spread_batchnorm(module: nn.Module) -> nn.Module:
    """Give every BatchNorm in `module` random affine weights and running statistics (global RNG).

    Fresh BatchNorm is the identity in eval mode (mean 0, variance 1, weight 1, bias 0), which would
    hide a skipped or misplaced BatchNorm; graded weights must make every layer count.
    """
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine and m.track_running_stats:
            assert m.running_mean is not None and m.running_var is not None and m.num_batches_tracked is not None
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.3)
                m.running_mean.normal_(0.0, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(10)
    return module
