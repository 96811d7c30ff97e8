"""How an exercise is declared: a subclass of `Exercise` in a content pack's `specs/ID.py` (the
module's `EXERCISE` is an instance of it; see grader.course.registry; packs import it from
grader.authoring).

An exercise is data plus a reference: the class name and constructor arguments, the reference
module, how to make inputs, which functions are forbidden, which submodules must be called, and
the known mistakes to recognise. grader.judging turns that into cases and checks; adding an
exercise never means editing the grader.

Inputs, batch sizes and random seeds are drawn per grading run from a secret (grader.judging.prepare):
a case declares a batch *role* (MAIN_BATCH, SMALL_BATCH, LARGE_BATCH) or a fixed size, and `inputs()`
draws from the generator it is given, so that no submission can know its probes in advance.
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
        parts = [_shown(a) for a in self.args] + [f"{k}={_shown(v)}" for k, v in self.kwargs.items()]
        return f"{class_name}({', '.join(parts)})"


def _shown(value: Any) -> str:
    """A constructor argument as the learner would write it: a module built in the child as its call."""
    if isinstance(value, Mapping) and "__build__" in value:
        function = str(value["__build__"]).rsplit(":", 1)[-1]
        return f"{function}({', '.join(map(repr, value.get('args', ())))})"
    return repr(value)


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


# Batch roles, drawn per run from DRAWN_BATCHES (see grader.judging.prepare.Secret); a positive batch is
# fixed. The edge sizes are the smallest and those learners hard-code most (x.view(64, -1)): fixed, so
# that a forward that works for one of them only shows it.
MAIN_BATCH, SMALL_BATCH, LARGE_BATCH = 0, -1, -2
DRAWN_BATCHES = {"main": range(3, 13), "small": range(3, 8), "large": range(8, 16)}
EDGE_BATCHES = (1, 2, 4, 16, 32, 64, 128)
ROWS = 8  # samples of the large batch checked one by one (batch/per-sample)
LOW_PRECISION = ("float16", "bfloat16")
# float64 is compared at float64's own precision: the same function computed in float32 differs by ~1e-7
FLOAT64_TOLERANCE = (1e-10, 1e-10)
# the low-precision cases compare with the exact answer rounded once; correct forwards round differently
LOW_PRECISION_TOLERANCES = {"bfloat16": (5e-2, 5e-2), "float16": (1e-2, 1e-2)}


@dataclass(frozen=True)
class CaseSpec:
    """One forward call the grader makes: which config, batch, mode, dtype, device and input variant.

    `batch` is a size, or a role drawn per run; `seed` (the torch seed set before the call) is replaced
    per run by a secret one derived from it; `repeat` calls forward that many times on the same input
    (the last output must equal the first)."""

    id: str
    config: str = "default"
    batch: int = MAIN_BATCH
    train: bool = False
    seed: int | None = None
    dtype: str | None = None
    device: str | None = None
    grad: bool = False
    stages: bool = False
    # run through torch.export (dynamic batch dimension) instead of calling the model; see runner.exported_call
    export: bool = False
    repeat: int = 0
    variant: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """'config dim-10, batch 7, length=7, train mode, float64': how the learner is told which call."""
        parts = [f"batch {self.batch}"]
        if self.config != "default":
            parts.insert(0, f"config {self.config}")
        parts += [f"{k}={v}" for k, v in self.variant.items() if k not in ("slice_of", "index")]
        if self.train:
            parts.append("train mode")
        if self.dtype:
            parts.append(self.dtype)
        return ", ".join(parts)


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
    main_batch: ClassVar[int] = 4  # the batch of a pipeline trace (graded cases draw theirs per run)
    batch_sizes: ClassVar[tuple[int, ...]] = (1, 2, SMALL_BATCH, LARGE_BATCH)
    forbidden_ops: ClassVar[Mapping[str, str]] = {}  # torch function name -> why it is forbidden
    forbidden_modules: ClassVar[Mapping[str, str]] = {}  # module class path -> why
    dtypes: ClassVar[tuple[str, ...]] = ("float64", "bfloat16", "float16")
    check_device: ClassVar[bool] = True
    check_grad: ClassVar[bool] = True
    # whether a train-mode forward is a function of its input (and seed) that the reference reproduces
    # exactly; False where the learner may draw its own random numbers (a hand-written dropout mask)
    train_deterministic: ClassVar[bool] = True
    # submodule name -> allowed call counts per forward; names not listed are free (e.g. self.relu
    # may be replaced by F.relu). The root module "" is always checked for exactly one call.
    expected_calls: ClassVar[Mapping[str, tuple[int, ...]]] = {}
    rtol: ClassVar[float | None] = None
    atol: ClassVar[float | None] = None
    # dtype name -> (rtol, atol) for the cases run in that dtype, where equivalent correct forwards
    # round differently (e.g. a table built in float32 then cast vs built in bfloat16); the defaults
    # are FLOAT64_TOLERANCE and LOW_PRECISION_TOLERANCES
    dtype_tolerances: ClassVar[Mapping[str, tuple[float, float]]] = {}
    # regular expression on an error message -> what it most likely means in this exercise, in plain words
    # (grader.judging.explain has the ones every exercise shares)
    error_meanings: ClassVar[Mapping[str, str]] = {}
    # mutants of the solution (grader.judging.mutants, by name) that compute the same function, each with
    # why: they must pass, and the mutation gate (tests, `grader pack test`) does not count them
    equivalent_mutants: ClassVar[Mapping[str, str]] = {}

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
        return [CaseSpec(id=f"values/{c.name}", config=c.name, stages=True) for c in self.configs]

    def grad_variants(self) -> list[Mapping[str, Any]]:
        """Input variants whose gradients are checked: one per way of calling forward that brings
        another floating input (e.g. an initial state), so that every input the contract names gets one."""
        return [{}]

    def well_posed(self, reference: nn.Module, inputs: Inputs, dtype: str | None) -> bool:
        """False when these inputs sit where correct forwards may legitimately disagree (a decision within
        rounding of its threshold): the engine then draws others. Override for such exercises."""
        return True

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


def size_case(batch: int) -> CaseSpec:
    """The case of one batch size ('batch/size-16'), or of a batch role drawn per run ('batch/size-small')."""
    name = {SMALL_BATCH: "small", LARGE_BATCH: "large"}.get(batch, str(batch))
    return CaseSpec(f"batch/size-{name}", batch=batch)


def randn(gen: torch.Generator, *shape: int, scale: float = 1.0) -> torch.Tensor:
    """Seeded standard-normal input."""
    return torch.randn(*shape, generator=gen) * scale


def probe(gen: torch.Generator, *shape: int, scale: float = 1.0) -> torch.Tensor:
    """Seeded input from a distribution the generator draws too: normal, uniform or Laplace, centred
    on 0, spread between 0.5 and 2 times `scale`. Negative values and outliers included, so that a
    forward can rely on no range (an abs, a clamp or a "pixels are positive" shortcut shows)."""
    kind = int(torch.randint(3, (), generator=gen))
    spread = scale * (0.5 + 1.5 * float(torch.rand((), generator=gen)))
    if kind == 0:
        return torch.randn(*shape, generator=gen) * spread
    if kind == 1:
        return (torch.rand(*shape, generator=gen) * 2 - 1) * (spread * 3 ** 0.5)  # the same variance
    centred = torch.rand(*shape, generator=gen) - 0.5
    laplace = -centred.sign() * torch.log1p(-2 * centred.abs()).clamp(min=-30)
    return laplace * (spread / 2 ** 0.5)


def mlp(in_features: int, sizes: list[int], activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """The layers torchvision.ops.MLP(in_features, sizes, activation_layer=activation) holds, with the
    same names and order (Linear, activation, Dropout(0) per hidden layer; Linear, Dropout(0) last), built
    from torch alone: grading never imports torchvision (tests/test_references.py checks they agree)."""
    layers: list[nn.Module] = []
    for size in sizes[:-1]:
        layers += [nn.Linear(in_features, size), activation(), nn.Dropout(0.0)]
        in_features = size
    return nn.Sequential(*layers, nn.Linear(in_features, sizes[-1]), nn.Dropout(0.0))


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
