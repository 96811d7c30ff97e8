"""Pipeline trace: the data flowing through the learner's forward, stage by stage, beside the reference's.

`observe` runs a model once and records every stage the data passes through, in the order they
finish: each submodule call (forward hooks), and each torch function that the model's own forward
applies to the data directly (F.relu, x.flatten(1), x @ w, ...: those fire no module hook). The
learner's model is observed in a child (`run_in_child`, via grader.modes); the reference is observed
here by the same function, on the same batch with the same weights. `trace_file` lines the two up:
a learner stage matches when it equals its counterpart (the reference submodule of the same name, or
failing that any reference stage holding the same values), and the first stage that differs from
its counterpart is the first divergence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode, resolve_name
from torch.utils._pytree import tree_flatten

from grader.errors import UsageError
from grader.runner import describe_error, plain

MAX_STAGES = 120  # a loop over many time steps makes many stages; the first ones tell the story
MAX_BATCH = 1000
SAMPLE_VALUES = 4
# Tensor methods as the learner most likely wrote them: `x @ w` reaches torch as torch.Tensor.matmul
OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "matmul": "@", "neg": "-x", "__rsub__": "-",
             "__rtruediv__": "/", "__pow__": "**", "__rpow__": "**", "__getitem__": "[...]", "__and__": "&",
             "__or__": "|", "__invert__": "~", "__eq__": "=="}


def _tensors(value: Any) -> list[torch.Tensor]:
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
        if self._depth == 1 and not self._quiet and _tensors(result) \
                and any(id(t) in self._data for t in _tensors((args, kwargs))):
            qualified = resolve_name(func) or getattr(func, "__qualname__", repr(func))
            self._record("function", label(qualified), qualified, (args, kwargs), result)
        return result

    def _record(self, kind: str, name: str, op: str, args: Any, output: Any) -> None:
        for t in _tensors(output):
            self._data[id(t)] = t
        if len(self.stages) >= MAX_STAGES:
            self.truncated = True
            return
        self._quiet = True
        try:
            self.stages.append({"kind": kind, "name": name, "op": op,
                                "input_shapes": [list(t.shape) for t in _tensors(args)], "output": plain(output)})
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
    given = [*zip(names, args), *kwargs.items()]
    stages = [{"kind": "input", "name": n, "op": "input", "input_shapes": [], "output": plain(v)} for n, v in given]
    recorder = StageRecorder(model, _tensors((args, kwargs)))
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


# --- the parent ------------------------------------------------------------------------------------------

def trace_inputs(exercise: Any, batch: int | None) -> tuple[Any, str]:
    """The batch to trace and where it comes from: real held-out digits for the digit classifiers,
    the exercise's own seeded inputs for the others."""
    from grader.engine import case_seed
    from grader.spec import Inputs
    from grader.train import TRAINABLE, held_out_batch

    if batch is not None and not 1 <= batch <= MAX_BATCH:
        raise UsageError(f"--batch must be 1-{MAX_BATCH}, got {batch}")
    if exercise.id in TRAINABLE:
        batch = batch or 64
        return Inputs((held_out_batch(batch),)), f"{batch} real handwritten digits (never trained on)"
    batch = batch or exercise.main_batch
    gen = torch.Generator().manual_seed(case_seed(f"trace/{batch}"))
    return exercise.inputs(exercise.configs[0], batch, gen, {}), f"generated inputs, batch of {batch}"


def trace_file(exercise: str, file: str | Path | None, batch: int | None = None, *, zygote=None) -> dict:
    """Trace the learner's forward beside the reference's; the result as `grader trace --json` prints it.

    {"exercise", "file", "inputs" (where the batch comes from), "status": "match" | "differs" | "error" |
     "not-started", "stages": [stage rows, see `_row`], "first_divergence": null or {"index", "name",
     "message"}, "error": null or a message, "truncated": bool}
    """
    from grader import registry
    from grader.engine import case_seed, exercise_limits, submission_paths
    from grader.modes import plan_for, run_plan

    exercise_id = registry.resolve(exercise)
    (path, label_), = submission_paths(exercise_id, [file])
    ex = registry.load(exercise_id)
    inputs, source = trace_inputs(ex, batch)
    torch.manual_seed(case_seed(ex.configs[0].name))
    reference = ex.reference(ex.configs[0])
    state = ex.learner_state(reference)
    args, kwargs = list(inputs.args), dict(inputs.kwargs)
    expected = observe(reference, args, kwargs, list(ex.forward_args))
    if expected["error"]:
        raise RuntimeError(f"the reference failed on the trace batch: {expected['error']}")
    spec = {"args": args, "kwargs": kwargs, "arg_names": list(ex.forward_args)}
    frames, problem = run_plan(plan_for(ex, state, "trace", spec), path, exercise_limits(exercise_id), zygote)
    observed = next((f for f in frames if f.get("kind") == "trace"), None)
    result = {"exercise": exercise_id, "file": label_, "inputs": source}
    if observed is None:
        return {**result, "status": "error", "stages": [], "first_divergence": None,
                "error": problem or "your model produced no trace", "truncated": False}
    return {**result, **compare(ex, observed, expected, problem)}


def compare(ex: Any, observed: dict, expected: dict, problem: str | None = None) -> dict:
    """Line the learner's stages up with the reference's: status, stage rows, first divergence, error."""
    learner, reference = observed["stages"], expected["stages"]
    matches = _match(ex, learner, reference)
    rows = [_row(i, stage, reference, ex, *match) for i, (stage, match) in enumerate(zip(learner, matches), 1)]
    error = observed["error"]
    output_matches = bool(rows) and rows[-1]["kind"] == "output" and rows[-1]["matches"]
    if error is not None:
        status = "not-started" if error["type"] == "NotImplementedError" else "error"
    else:
        status = "match" if output_matches else "differs"
    divergence = None if status in ("match", "not-started") else _divergence(rows, matches, reference, ex, error)
    message = _error_text(error) if error else (problem if not output_matches else None)
    return {"status": status, "stages": rows, "first_divergence": divergence, "error": message,
            "truncated": observed["truncated"]}


def _match(ex: Any, learner: list[dict], reference: list[dict]) -> list[tuple[bool | None, int | None, str]]:
    """Per learner stage: (matches: True/False/None = no counterpart, the counterpart's index, how it differs).

    The counterpart is the reference stage of the same kind and name (inputs, the output, submodules
    under Exercise.name_map), else any reference stage with the same values, looked for after the
    last counterpart first.
    """
    by_name: dict[tuple[str, str], list[int]] = {}
    for j, stage in enumerate(reference):
        by_name.setdefault((stage["kind"], stage["name"]), []).append(j)
    calls: Counter = Counter()
    cursor, out = 0, []
    for stage in learner:
        key = (stage["kind"], stage["name"] if stage["kind"] != "module" else ex.to_reference_name(stage["name"]))
        candidates = by_name.get(key, []) if stage["kind"] != "function" else []
        j = candidates[calls[key]] if calls[key] < len(candidates) else None
        calls[key] += 1
        if j is not None:
            how = difference(stage["output"], reference[j]["output"], ex.rtol, ex.atol)
            out.append((how is None, j, how or ""))
        else:
            j = _same_values(stage["output"], reference, cursor, ex)
            out.append((True, j, "") if j is not None else (None, None, ""))
        if out[-1][0]:
            cursor = out[-1][1] + 1
    return out


def difference(actual: Any, expected: Any, rtol: float | None, atol: float | None) -> str | None:
    """None when `actual` matches `expected`; else how it differs, in a line: shape, dtype, or how many
    values and by how much."""
    from grader.compare import close, mismatch

    if close(actual, expected, rtol, atol):
        return None
    if not (isinstance(actual, torch.Tensor) and isinstance(expected, torch.Tensor)):
        return _short(mismatch(actual, expected, rtol, atol) or "differs")
    if actual.shape != expected.shape:
        return f"shape {_dims(list(actual.shape))} where the reference has {_dims(list(expected.shape))}"
    if actual.dtype != expected.dtype:
        return f"dtype {actual.dtype} where the reference has {expected.dtype}"
    from torch.testing._comparison import default_tolerances

    r, t = (rtol, atol) if rtol is not None else default_tolerances(actual, expected)
    gap = (actual.double() - expected.double()).abs().nan_to_num(nan=float("inf"))
    wrong = int((~torch.isclose(actual, expected, rtol=r, atol=t, equal_nan=True)).sum())
    return f"{wrong} of {actual.numel()} values differ, by up to {float(gap.max()):.3g}"


def _same_values(output: Any, reference: list[dict], cursor: int, ex: Any) -> int | None:
    """The reference stage holding the same values, searched from `cursor` on, then before it."""
    from grader.compare import close, structure

    shape = structure(output)
    for j in [*range(cursor, len(reference)), *range(cursor)]:
        if structure(reference[j]["output"]) == shape and close(output, reference[j]["output"], ex.rtol, ex.atol):
            return j
    return None


def _row(index: int, stage: dict, reference: list[dict], ex: Any, matches: bool | None, j: int | None,
         how: str) -> dict:
    """A stage as shown: shapes as text, a few values of the first sample, the counterpart, the verdict."""
    first = next(iter(_tensors(stage["output"])), None)
    return {"index": index, "name": stage["name"], "label": stage_label(stage), "kind": stage["kind"], "op": stage["op"],
            "in_shape": _dims(stage["input_shapes"][0]) if stage["input_shapes"] else "",
            "out_shape": shape_text(stage["output"]),
            "shape": list(first.shape) if first is not None else None,
            "sample": sample_values(first), **value_range(first),
            "matches": matches, "reference": _counterpart(reference[j], ex) if j is not None else None, "note": how}


def _counterpart(stage: dict, ex: Any) -> dict:
    """A reference stage as the learner knows it: submodules under the learner's attribute names."""
    name = ex.to_learner_name(stage["name"]) if stage["kind"] == "module" else stage["name"]
    return {"name": name, "label": stage_label({**stage, "name": name}), "kind": stage["kind"], "op": stage["op"],
            "out_shape": shape_text(stage["output"])}


def stage_label(stage: dict) -> str:
    """How a stage is named on screen: 'fc1 (Linear)', 'x (input)', 'F.relu', 'output'; a step of a
    model that is one nn.Sequential has only an index for a name, so it is named by its type: 'Flatten'."""
    if stage["kind"] == "module":
        return stage["op"] if stage["name"].isdigit() else f"{stage['name']} ({stage['op']})"
    return f"{stage['name']} (input)" if stage["kind"] == "input" else stage["name"]


def _divergence(rows: list[dict], matches: list, reference: list[dict], ex: Any, error: dict | None) -> dict | None:
    """Where the learner's data first departs from the reference's, and what lies between."""
    first = next((r for r in rows if r["matches"] is False), None)
    if first is None and error is None:
        return None
    before = rows[:first["index"] - 1] if first else rows
    last_good = next((r for r in reversed(before) if r["matches"]), None)
    after = f"after `{last_good['name']}` matched, " if last_good else ""
    if first is None:  # it raised before anything differed: the error is the stage after the last one
        return {"index": len(rows) + 1, "name": "(error)", "message": f"{after}your forward raised {_error_text(error)}"}
    text = f"{after}`{first['name']}` is the first stage that differs from the reference: {first['note']}"
    extra = [r for r in before if r["matches"] is None and (last_good is None or r["index"] > last_good["index"])]
    if extra:
        names = ", ".join(f"`{r['name']}`" for r in extra)
        text += f". Between them, {names} ha{'s' if len(extra) == 1 else 've'} no counterpart in the reference: look there first"
    else:
        since = matches[last_good["index"] - 1][1] if last_good else -1
        skipped = _skipped(reference, since, matches[first["index"] - 1][1], {m[1] for m in matches if m[0]}, ex)
        if skipped:
            where = f"between `{last_good['name']}` and `{first['name']}`" if last_good else f"before `{first['name']}`"
            text += (f". The reference applies {' then '.join(skipped)} {where}, and nothing in your forward "
                     "matches it: a missing step?")
    return {"index": first["index"], "name": first["name"], "message": text}


def _skipped(reference: list[dict], since: int, until: int, matched: set, ex: Any) -> list[str]:
    """What the reference does strictly between two counterparts that no learner stage matched ('a ReLU',
    '`F.relu`'), leaving out the stages that change nothing (Dropout in eval mode, Identity)."""
    names = []
    for j in range(since + 1, until):
        stage = reference[j]
        unchanged = j > 0 and _same_values(stage["output"], reference[j - 1:j], 0, ex) is not None
        if j not in matched and not unchanged and stage["kind"] in ("module", "function"):
            names.append(f"a {stage['op']}" if stage["kind"] == "module" else f"`{stage['name']}`")
    return names


def _error_text(error: dict) -> str:
    at = f" at {error['where']}" if error.get("where") else ""
    return f"{error['type']}{at}: {error['message']}"


def _short(why: str) -> str:
    return "; ".join(line.strip() for line in why.splitlines() if line.strip())[:300]


# --- how values are shown ---------------------------------------------------------------------------------

def _dims(shape: list[int]) -> str:
    return "x".join(str(d) for d in shape) if shape else "scalar"


def shape_text(value: Any) -> str:
    """'64x784', '(64x5x3, 64x8)', '{embedding: 64x32, logits: 64x4}', or a type name."""
    if isinstance(value, torch.Tensor):
        return _dims(list(value.shape))
    if isinstance(value, dict) and "__type__" in value:
        return value["__type__"]
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(shape_text(v) for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {shape_text(v)}" for k, v in value.items()) + "}"
    return type(value).__name__


def sample_values(t: torch.Tensor | None) -> list[float]:
    """A few values of the first sample, spread evenly over it (the middle of an image, not its border)."""
    if t is None or t.numel() == 0:
        return []
    flat = (t[0] if t.dim() > 0 else t).flatten().double()
    n = flat.numel()
    picks = range(n) if n <= SAMPLE_VALUES else [int((k + 0.5) * n / SAMPLE_VALUES) for k in range(SAMPLE_VALUES)]
    return [round(float(flat[i]), 4) for i in picks]


def value_range(t: torch.Tensor | None) -> dict:
    if t is None or t.numel() == 0 or t.dtype == torch.bool:
        return {"min": None, "max": None}
    return {"min": round(float(t.min()), 4), "max": round(float(t.max()), 4)}
