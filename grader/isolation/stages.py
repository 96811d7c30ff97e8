"""Stage recording, run in the child (and, for the reference, in the parent): the data flowing
through a model's forward, stage by stage, in the order the stages finish: each submodule call
(forward hooks), and each torch function that the model's own forward applies to the data directly
(F.relu, x.flatten(1), x @ w, ...: those fire no module hook). Imports only torch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode, resolve_name
from torch.utils._pytree import tree_flatten

from grader.isolation.plain import describe_error, plain

MAX_STAGES = 120  # a loop over many time steps makes many stages; the first ones tell the story
# Tensor methods as the learner most likely wrote them: `x @ w` reaches torch as torch.Tensor.matmul
OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "matmul": "@", "neg": "-x", "__rsub__": "-",
             "__rtruediv__": "/", "__pow__": "**", "__rpow__": "**", "__getitem__": "[...]", "__and__": "&",
             "__or__": "|", "__invert__": "~", "__eq__": "=="}


def tensors(value: Any) -> list[torch.Tensor]:
    return [t for t in tree_flatten(value)[0] if isinstance(t, torch.Tensor)]


def label(qualified: str) -> str:
    """'torch.nn.functional.relu' -> 'F.relu', 'torch.Tensor.flatten' -> '.flatten()', '...matmul' -> '@'."""
    if qualified.startswith("torch.nn.functional."):
        return "F." + qualified.removeprefix("torch.nn.functional.")
    if qualified.startswith("torch.Tensor."):
        name = qualified.removeprefix("torch.Tensor.")
        if name.endswith(".__get__"):
            return "." + name.removesuffix(".__get__")
        return OPERATORS.get(name, f".{name}()")
    return qualified


class StageRecorder(TorchFunctionMode):
    """Records the stages of one forward call (see the module docstring), while active."""

    def __init__(self, model: nn.Module, inputs: list[torch.Tensor]) -> None:
        super().__init__()
        self.stages: list[dict] = []
        self.truncated = False
        self._names = {id(m): name for name, m in model.named_modules() if name}
        self._depth = 0  # module calls in progress: 1 = inside the model's own forward only
        self._quiet = False  # set while recording, so that the recorder's own tensor calls are not stages
        self._data = {id(t): t for t in inputs}  # the input and what was computed from it (kept alive: ids stay unique)
        self._handles = [nn.modules.module.register_module_forward_pre_hook(self._enter),
                         nn.modules.module.register_module_forward_hook(self._leave)]

    def _enter(self, module: nn.Module, args: tuple) -> None:
        self._depth += 1

    def _leave(self, module: nn.Module, args: tuple, output: Any) -> None:
        self._depth -= 1
        name = self._names.get(id(module))
        if name is None and self._depth == 1:  # a module made inside forward and called by it
            name = f"({type(module).__name__})"
        if name is not None:
            self._record("module", name, type(module).__name__, args, output)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if self._depth == 1 and not self._quiet and tensors(result) \
                and any(id(t) in self._data for t in tensors((args, kwargs))):
            qualified = resolve_name(func) or getattr(func, "__qualname__", repr(func))
            self._record("function", label(qualified), qualified, (args, kwargs), result)
        return result

    def _record(self, kind: str, name: str, op: str, args: Any, output: Any) -> None:
        for t in tensors(output):
            self._data[id(t)] = t
        if len(self.stages) >= MAX_STAGES:
            self.truncated = True
            return
        self._quiet = True
        try:
            self.stages.append({"kind": kind, "name": name, "op": op,
                                "input_shapes": [list(t.shape) for t in tensors(args)], "output": plain(output)})
        finally:
            self._quiet = False

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()


def observe(model: nn.Module, args: list, kwargs: dict, arg_names: list[str],
            learner_file: str | None = None) -> dict:
    """Run `model` once in eval mode: {"stages": [...], "truncated": bool, "error": None or describe_error}."""
    model.eval()
    names = list(arg_names) + [f"arg{i}" for i in range(len(arg_names), len(args))]
    given = [*zip(names, args, strict=False), *kwargs.items()]
    stages = [{"kind": "input", "name": n, "op": "input", "input_shapes": [], "output": plain(v)} for n, v in given]
    recorder = StageRecorder(model, tensors((args, kwargs)))
    error = None
    try:
        with torch.no_grad(), recorder:
            output = model(*args, **kwargs)
    except BaseException as err:  # the learner's code may raise anything
        error = describe_error(err, learner_file)
    finally:
        recorder.remove()
    stages += recorder.stages
    if error is None:
        stages.append({"kind": "output", "name": "output", "op": "return", "input_shapes": [], "output": plain(output)})
    return {"stages": stages, "truncated": recorder.truncated, "error": error}


def run_in_child(model: nn.Module, spec: dict, emit: Callable[[dict], None], learner_file: str) -> None:
    emit({"kind": "trace", **observe(model, spec["args"], spec["kwargs"], spec["arg_names"], learner_file)})
