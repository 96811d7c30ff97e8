"""Runs one forward "case" on a model and records raw observations.

The same function observes the learner's model in the child and the reference model in the
parent, so both are seen the same way. It imports only torch and the child side of
grader.isolation (plain, stages): the child must stay lean.
An observation holds plain tensors and primitives only (it crosses the process boundary as a
grader.isolation.wire record, checked there against limits and a schema).
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode, resolve_name
from torch.utils._pytree import tree_flatten, tree_flatten_with_path, tree_map

from grader.isolation.plain import describe_error, plain
from grader.isolation.stages import StageRecorder

IN_PLACE = re.compile(r"(?<!_)_$|^__i(add|sub|mul|matmul|truediv|floordiv|mod|pow|and|or|xor|lshift|rshift)__$|"
                      r"^__setitem__$|^data\.__set__$")
NOT_WRITES = {"requires_grad_", "retain_grad", "share_memory_", "record_stream_"}


class OpRecorder(TorchFunctionMode):
    """Records the qualified name of every torch function the learner's code calls (F.linear, ...),
    and which of the `watched` tensors (by name) an in-place op wrote to, through any alias of their
    memory: `w.data *= 1` leaves w's version counter and values alone, but is still a write."""

    def __init__(self, watched: dict[str, torch.Tensor] | None = None) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.device_violations: list[str] = []
        self.written: set[str] = set()
        self._memory = {_memory(t): name for name, t in (watched or {}).items() if _memory(t) is not None}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = resolve_name(func) or getattr(func, "__qualname__", repr(func))
        self.names.add(name)
        self._note_writes(name, args, kwargs or {})
        return func(*args, **(kwargs or {}))

    def _note_writes(self, name: str, args: tuple, kwargs: dict) -> None:
        method = name.removeprefix("torch.Tensor.")
        targets = [kwargs.get("out")]
        if (IN_PLACE.search(method) and method not in NOT_WRITES) or kwargs.get("inplace") is True:
            targets.append(args[0] if args else None)
        for target in tree_flatten(targets)[0]:
            if isinstance(target, torch.Tensor) and _memory(target) in self._memory:
                self.written.add(self._memory[_memory(target)])


def _memory(t: torch.Tensor) -> int | None:
    """An id of the memory a tensor lives in, shared by all its views and its `.data`."""
    try:
        return t.untyped_storage().data_ptr() if t.numel() else None
    except (RuntimeError, NotImplementedError):  # tensors without storage (sparse, ...)
        return None


EMULATED = torch.device("meta")  # what x.device reports for tensors on the generic emulated device
# a case's device -> the device the emulator pretends to be: any device ("meta"), or Apple's MPS
EMULATIONS = {"emulated": "meta", "emulated:mps": "mps"}
ACCELERATORS = ("cuda", "mps", "xpu")  # device names forward must never write out: it follows x.device
NO_FLOAT64 = (torch.float64, torch.complex128)  # dtypes MPS does not have
MOVES = {"torch.Tensor.to", "torch.Tensor.type_as", "torch.Tensor.cpu", "torch.Tensor.cuda"}
CROSS_DEVICE_OK = {"torch.Tensor.__getitem__", "torch.Tensor.__setitem__", "torch.Tensor.copy_",
                   "torch.Tensor.device.__get__", "torch.Tensor.dim", "torch.Tensor.size", "torch.Tensor.shape.__get__"}


class DeviceEmulator(OpRecorder):
    """Runs forward on real CPU data while pretending the model and inputs live on another device.

    Tensors "on the device" are tracked by identity; `x.device` reports the emulated device for them
    (`kind`: "meta" stands for any device, "mps" for Apple's GPUs), a factory or move given that device
    puts its result there, and anything created without it (torch.zeros(n), .cpu(), device="cpu")
    stays on the CPU. A call that mixes both (0-dim CPU tensors aside, as torch allows) is recorded as
    a violation: on a real GPU it would fail. So is naming an accelerator outright (.cuda(),
    device="cuda", .to("mps")), and, as MPS, making a float64 tensor on the device (MPS has none).
    Unlike meta tensors, this needs no shape-only kernels, so values stay real and checkable.
    """

    def __init__(self, on_device: list[torch.Tensor], watched: dict[str, torch.Tensor] | None = None,
                 kind: str = "meta") -> None:
        super().__init__(watched)
        self.device = torch.device(kind)
        self._made_float64 = False
        self._on: dict[int, torch.Tensor] = {id(t): t for t in on_device}  # keep alive: ids stay unique

    def on_device(self, t: torch.Tensor) -> bool:
        return id(t) in self._on

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = resolve_name(func) or getattr(func, "__qualname__", repr(func))
        self.names.add(name)
        kwargs = kwargs or {}
        if name == "torch.Tensor.device.__get__":
            return self.device if self.on_device(args[0]) else torch.device("cpu")
        if name == "torch.Tensor.is_cuda.__get__":  # the generic device stands for a GPU: a branch on it shows
            return self.device.type == EMULATED.type and self.on_device(args[0])
        if name == "torch.Tensor.is_mps.__get__":
            return self.device.type == "mps" and self.on_device(args[0])
        self._note_writes(name, args, kwargs)
        wants_device = self._asks_for_device(name, args, kwargs)
        args, kwargs = tree_map(self._real_device, (args, kwargs))
        tensors = [t for t in tree_flatten((args, kwargs))[0] if isinstance(t, torch.Tensor)]
        if name not in MOVES and name not in CROSS_DEVICE_OK:
            self._check_mixing(name, tensors)
        # .cuda() stays on the CPU for real (as `device="cuda"` does): the emulated device needs no GPU
        result = args[0].view_as(args[0]) if name == "torch.Tensor.cuda" else func(*args, **kwargs)
        if wants_device is False and name in MOVES and any(result is t for t in tensors):
            # x.cpu() of a real CPU tensor is x itself: the copy must not be "on the device"
            result = result.view_as(result)
        if wants_device is None:  # no explicit device: results follow their tensor inputs
            wants_device = any(self.on_device(t) for t in tensors)
        if wants_device:
            for out in tree_flatten(result)[0]:
                if isinstance(out, torch.Tensor):
                    self._on[id(out)] = out
                    if self.device.type == "mps" and out.dtype in NO_FLOAT64 and not self._made_float64:
                        self._made_float64 = True  # the first is the one to fix: the rest follow from it
                        self._violation(f"{name} made a {str(out.dtype).removeprefix('torch.')} tensor on the "
                                        "device: Apple's MPS has no float64 (use x.dtype)")
        return result

    def _asks_for_device(self, name: str, args: tuple, kwargs: dict) -> bool | None:
        """True/False when the call names a target device (ours or the CPU), None when it doesn't."""
        if name == "torch.Tensor.cpu":
            return False
        if name == "torch.Tensor.cuda":
            self._violation(f"{name} hard-codes CUDA")
            return True
        if name == "torch.Tensor.type_as":
            return self.on_device(args[1])
        targets = [v for v in tree_flatten((args[1:] if name == "torch.Tensor.to" else (), kwargs.get("device")))[0]
                   if isinstance(v, (torch.device, str, torch.Tensor)) and not isinstance(v, bool)]
        for target in targets:
            if isinstance(target, torch.Tensor):
                return self.on_device(target)
            kind = torch.device(target).type if isinstance(target, (str, torch.device)) else None
            # x.device is a torch.device; a string naming an accelerator was written out in forward
            if kind in ACCELERATORS and (isinstance(target, str) or kind != self.device.type):
                self._violation(f"{name} hard-codes device='{kind}'")
                return True
            if kind == self.device.type:
                return True
            if kind == "cpu":
                return False
        return None

    @staticmethod
    def _real_device(value):
        if isinstance(value, torch.device) and value.type in (EMULATED.type, *ACCELERATORS):
            return torch.device("cpu")
        if isinstance(value, str) and value.split(":")[0] in (EMULATED.type, *ACCELERATORS):
            return "cpu"
        return value

    def _check_mixing(self, name: str, tensors: list[torch.Tensor]) -> None:
        relevant = [t for t in tensors if not (t.dim() == 0 and not self.on_device(t))]
        here = {self.on_device(t) for t in relevant}
        if len(here) > 1:
            self._violation(f"{name} got a tensor on the model's device and a tensor created on the CPU")

    def _violation(self, text: str) -> None:
        if len(self.device_violations) < 5 and text not in self.device_violations:
            self.device_violations.append(text)


def _to(value: Any, device: str | None, dtype: torch.dtype | None, requires_grad: bool = False) -> Any:
    """A copy of the case's inputs for this call (cases may share them: one forward writing to its input
    must not change another's), on `device` and in `dtype`."""
    def conv(t: Any) -> Any:
        if not isinstance(t, torch.Tensor):
            return t
        t = t.to(device=device) if device else t.clone()
        if dtype is not None and t.is_floating_point():
            t = t.to(dtype)
        if requires_grad and t.is_floating_point():
            t = t.detach().requires_grad_(True)
        return t
    return tree_map(conv, value)


def _snapshot(named: dict[str, torch.Tensor]) -> dict[str, tuple[torch.Tensor, int]]:
    return {n: (t.detach().clone(), t._version) for n, t in named.items()}


def _changed(before: dict[str, tuple[torch.Tensor, int]], named: dict[str, torch.Tensor]) -> list[str]:
    changed = []
    for name, (old, version) in before.items():
        now = named.get(name)
        if now is None or now._version != version or now.shape != old.shape or not _same(now, old):
            changed.append(name)
    return changed


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return bool(torch.equal(a.detach(), b)) or bool(
        torch.isnan(a).any() and torch.equal(a.detach().nan_to_num(), b.nan_to_num()))


class CallRecorder:
    """Forward hooks on every submodule: how many times each ran in one forward."""

    def __init__(self, model: nn.Module) -> None:
        self.counts: dict[str, int] = {name: 0 for name, _ in model.named_modules()}
        self._handles = [m.register_forward_hook(self._hook(name)) for name, m in model.named_modules()]

    def _hook(self, name: str) -> Callable[[nn.Module, tuple, Any], None]:
        def hook(module: nn.Module, args: tuple, output: Any) -> None:
            self.counts[name] += 1
        return hook

    def remove(self) -> None:
        for h in self._handles:
            h.remove()


class ModuleClassRecorder:
    """Every module class called anywhere during forward, via torch's global forward pre-hook."""

    def __init__(self) -> None:
        self.classes: set[str] = set()
        self._handle = nn.modules.module.register_module_forward_pre_hook(self._hook)

    def _hook(self, module: nn.Module, args: tuple) -> None:
        self.classes.add(f"{type(module).__module__}.{type(module).__qualname__}")

    def remove(self) -> None:
        self._handle.remove()


class FunctionRecorder:
    """Every Python function run during forward, as 'module.qualname': catches the code of a forbidden
    module class run without calling that module (an inherited forward, `Class.forward(self, x)`)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __enter__(self) -> FunctionRecorder:
        self._previous = sys.getprofile()
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self._previous)

    def _profile(self, frame, event: str, arg: Any) -> None:
        if event == "call":
            self.names.add(f"{frame.f_globals.get('__name__')}.{frame.f_code.co_qualname}")


def run_case(model: nn.Module, case: dict, learner_file: str | None = None, observe: bool = True) -> dict:
    """Run `case` (a plan case, see grader.judging.prepare._wire) on `model`; return the raw observation.

    With `observe` False (the reference, in the parent), only what the judge compares is recorded: the
    output, its stages, gradients and buffers, not the ops, calls, purity and device evidence."""
    device, dtype = case.get("device"), case.get("dtype")
    emulated = EMULATIONS.get(device or "")
    device = None if emulated else device
    torch_dtype = getattr(torch, dtype) if dtype else None
    wants_grad = case.get("cotangent") is not None
    model.train(bool(case.get("train", False)))
    if torch_dtype is not None or device:
        model.to(device=device or None, dtype=torch_dtype)
    args = _to(case["args"], device, torch_dtype, requires_grad=wants_grad)
    kwargs = _to(case.get("kwargs", {}), device, torch_dtype, requires_grad=wants_grad)
    params = dict(model.named_parameters())
    flat_inputs = [t for t in tree_flatten((args, kwargs))[0] if isinstance(t, torch.Tensor)]
    stages = StageRecorder(model, flat_inputs) if case.get("stages") else None
    watch = Watch(model, case, flat_inputs) if observe else None
    obs: dict[str, Any] = {"id": case["id"], "error": None}
    output = None
    try:
        if case.get("seed") is not None:  # the CPU's generator alone where no GPU is used: no CUDA set-up
            (torch.manual_seed if device else torch.random.default_generator.manual_seed)(case["seed"])
        if case.get("export"):
            output = exported_call(model, args, kwargs)
        else:
            # the stage recorder outside the op recorder: its own copies are not the learner's ops
            with stages or contextlib.nullcontext(), watch or contextlib.nullcontext():
                output = model(*args, **kwargs)
        obs["output"] = plain(output)
        if watch is not None:
            obs.update(watch.outputs(output))
        if case.get("repeat"):  # the same input again and again: the last answer must be the first
            last = output
            for _ in range(int(case["repeat"]) - 1):
                last = model(*args, **kwargs)
            obs["repeat_output"] = plain(last)
    except BaseException as err:  # the learner's code may raise anything, SystemExit included
        if not observe and isinstance(err, KeyboardInterrupt):
            raise  # Ctrl-C in the parent while the reference runs: a stop, not "the reference raised"
        obs["error"] = describe_error(err, learner_file)
        if case.get("export"):  # torch.export's messages run to pages: keep the first paragraph
            obs["error"]["message"] = obs["error"]["message"].split("\n\n")[0][:600]
        output = None
    finally:
        if stages is not None:
            stages.remove()
        if watch is not None:
            watch.remove()
    obs["stages"] = stages.stages if stages is not None else []
    if watch is not None:
        obs.update(watch.report(model, params))
    obs["buffers_after"] = {n: plain(b) for n, b in model.named_buffers()}
    obs["param_names"] = sorted(params)
    if wants_grad and output is not None and obs["error"] is None:
        obs.update(_gradients(output, case["cotangent"], params, (args, kwargs), learner_file, not observe))
    return obs


class Watch:
    """What the learner's forward does besides computing its output: the torch functions and module
    classes it calls, how often each submodule runs, what it writes to (parameters, buffers, inputs,
    `.grad`), what state it adds, and, on the emulated device, what it ties to the CPU."""

    def __init__(self, model: nn.Module, case: dict, inputs: list[torch.Tensor]) -> None:
        params, buffers = dict(model.named_parameters()), dict(model.named_buffers())
        self.inputs = inputs
        self.state_before = _snapshot({**params, **buffers})
        self.inputs_before = _snapshot({str(i): t for i, t in enumerate(inputs)})
        self.calls = CallRecorder(model)
        self.classes = ModuleClassRecorder()
        watched = {**params, **buffers, **{f"input {i}": t for i, t in enumerate(inputs)}}
        emulated = EMULATIONS.get(case.get("device") or "")
        self.ops = (DeviceEmulator([*params.values(), *buffers.values(), *inputs], watched, emulated)
                    if emulated else OpRecorder(watched))
        self.functions = FunctionRecorder() if case.get("functions", True) else None

    def __enter__(self) -> Watch:
        self.ops.__enter__()
        if self.functions is not None:
            self.functions.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.functions is not None:
            self.functions.__exit__(*exc)
        self.ops.__exit__(*exc)

    def outputs(self, output: Any) -> dict:
        if not isinstance(self.ops, DeviceEmulator):
            return {}
        return {"off_device_outputs": sum(isinstance(t, torch.Tensor) and not self.ops.on_device(t)
                                          for t in tree_flatten(output)[0])}

    def remove(self) -> None:
        self.calls.remove()
        self.classes.remove()

    def report(self, model: nn.Module, params: dict[str, nn.Parameter]) -> dict:
        state_now = {**dict(model.named_parameters()), **dict(model.named_buffers())}
        written = self.ops.written
        return {"ops": sorted(self.ops.names), "module_classes": sorted(self.classes.classes),
                "functions": sorted(self.functions.names if self.functions is not None else ()),
                "calls": self.calls.counts, "device_violations": self.ops.device_violations,
                "grad_set_in_forward": [n for n, p in params.items() if p.grad is not None],
                "state_changed": sorted(set(_changed(self.state_before, state_now))
                                        | (written & set(self.state_before))),
                "state_added": sorted(set(state_now) - set(self.state_before)),
                "inputs_changed": _changed(self.inputs_before, {str(i): t for i, t in enumerate(self.inputs)})
                + sorted(n for n in written if n.startswith("input "))}


def exported_call(model: nn.Module, args: list, kwargs: dict) -> Any:
    """Export `model` on the first 2 samples with a dynamic batch dimension, then run the exported
    program on all of them: it must neither branch on tensor values nor fix the batch size."""
    import contextlib
    import inspect
    import io
    import logging

    from torch.export import Dim, export  # imports dynamo (about a second): only an export case pays

    first_two = tree_map(lambda t: t[:2] if isinstance(t, torch.Tensor) else t, (tuple(args), dict(kwargs)))
    batch = Dim("batch")
    named = inspect.signature(model.forward).bind(*first_two[0], **first_two[1]).arguments
    shapes = {name: tree_map(lambda t: {0: batch} if isinstance(t, torch.Tensor) else None, value)
              for name, value in named.items()}
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)  # a failed export logs, and prints, its partial graph
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            program = export(model, first_two[0], first_two[1], dynamic_shapes=shapes, strict=False)
    finally:
        logging.disable(previous)
    return program.module()(*args, **kwargs)


def _gradients(output: Any, cotangent: Any, params: dict[str, nn.Parameter], inputs: tuple[list, dict],
               learner_file: str | None, interruptible: bool = False) -> dict:
    """Gradients of <output, cotangent> with respect to every parameter and every floating input, named
    '#i' (the i-th positional argument) or by keyword. `interruptible` (the reference, in the parent):
    Ctrl-C propagates."""
    # outputs and cotangents paired by path (dict key, index): a dict's key order does not matter
    outs = {p: t for p, t in tree_flatten_with_path(output)[0] if isinstance(t, torch.Tensor)}
    cots = {p: c for p, c in tree_flatten_with_path(cotangent)[0] if isinstance(c, torch.Tensor)}
    named = [(_input_name(path), t) for path, t in tree_flatten_with_path(inputs)[0]
             if isinstance(t, torch.Tensor) and t.requires_grad]
    if outs.keys() != cots.keys() or any(outs[p].shape != c.shape for p, c in cots.items()):
        return {"grad_error": {"type": "ShapeMismatch", "message": "output shape differs from the reference",
                               "where": ""}}
    pairs = [(outs[p], c.to(outs[p].dtype)) for p, c in cots.items() if outs[p].requires_grad]
    if not pairs:
        return {"grad_error": {"type": "NoGraph", "where": "",
                               "message": "the output does not require grad: it is cut off from the parameters"}}
    try:
        loss = torch.stack([(o * c).sum() for o, c in pairs]).sum()
        # a parameter forward froze (requires_grad_(False)) gets no gradient: reported as None, not an error
        names = [n for n, p in params.items() if p.requires_grad]
        grads = torch.autograd.grad(loss, [params[n] for n in names] + [t for _, t in named], allow_unused=True)
    except BaseException as err:
        if interruptible and isinstance(err, KeyboardInterrupt):
            raise
        return {"grad_error": describe_error(err, learner_file)}
    found = dict(zip(names, grads, strict=False))
    return {"param_grads": {n: plain(found.get(n)) for n in params},
            "input_grads": [plain(g) for g in grads[len(names):]], "input_names": [n for n, _ in named]}


def _input_name(path: tuple) -> str:
    """'#0' for the first positional argument, 'h0' for the keyword h0 (a pytree path into (args, kwargs))."""
    where = path[1]
    return f"#{where.idx}" if path[0].idx == 0 else str(where.key)
