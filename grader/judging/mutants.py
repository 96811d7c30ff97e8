"""Mutants of a correct forward, for the mutation gate (and `grader pack test`): small, realistic defects
generated from an exercise's solution source, each of which the grader must reject in the category it
targets.

`mutate(source, class_name, forward_args)` rewrites, one site at a time, the `forward` of `class_name`
in a solution's source: operator swaps, a dropped activation, a wrong dim, a transpose dropped, a
detach or no_grad cutting the graph, a dtype cast, an in-place write to the input or a parameter, a
constant batch size, behaviour flipped in train mode. `mutants(exercise_id)` does it for an exercise
of any content pack from its `solutions/ID.py`. A mutant's `targets` are the categories its first
failure may be in: one for a defect only one check can see, several where the same defect shows as
a wrong value, a wrong shape or an error (raised on the main input, which shape/output reports).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

WRONG_OUTPUT = ("values", "shape")
WRONG_AXIS = ("values", "shape", "batch")
SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.MatMult: ast.Mult,
}
COMPARISONS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Gt: ast.Lt, ast.Lt: ast.Gt, ast.GtE: ast.Lt, ast.LtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
ACTIVATIONS = {"relu", "sigmoid", "tanh", "gelu", "softmax", "log_softmax", "act", "activation",
               "scale_activation"}
DROPOUTS = {"dropout", "drop"}
DIM_CALLS = {"softmax", "log_softmax", "cat", "stack", "mean", "sum", "amax", "max", "flatten", "transpose",
             "unsqueeze", "squeeze", "chunk", "split", "split_with_sizes"}
IN_PLACE = {"add", "sub", "mul", "div", "relu", "sigmoid", "tanh", "clamp", "masked_fill", "abs", "neg"}
PER_OPERATOR = 3  # sites mutated per operator: enough to cover a forward, few enough to grade quickly
GATE = 0.95  # the share of mutants that must be rejected in a category they target (CI, `grader pack test`)


@dataclass(frozen=True)
class Mutant:
    name: str  # operator#site@line:column of the changed site
    operator: str
    description: str  # what changed, in a line
    source: str  # the whole solution, mutated
    targets: tuple[str, ...]  # categories the first failure must be in


def mutants(exercise_id: str) -> list[Mutant]:
    """The mutants of an exercise's solution (`solutions/ID.py` in its content pack)."""
    from grader.course import registry

    exercise = registry.load(exercise_id)
    solution = registry.pack_of(exercise.id) / "solutions" / f"{exercise.id}.py"
    return mutate(Path(solution).read_text(encoding="utf-8"), exercise.class_name, exercise.forward_args)


def mutate(source: str, class_name: str, forward_args: Sequence[str]) -> list[Mutant]:
    """Every mutant of `class_name.forward` in `source`, in a stable order, without duplicate sources."""
    tree = ast.parse(source)
    forward = _forward(tree, class_name)
    if forward is None:
        raise ValueError(f"no {class_name}.forward in the solution")
    first_input = forward.args.args[1].arg if len(forward.args.args) > 1 else (forward_args or ("x",))[0]
    out, seen = [], {source}
    for operator, (targets, sites) in OPERATORS.items():
        for i, (node, description, change) in enumerate(sites(forward, first_input)):
            if i >= PER_OPERATOR:
                break
            mutated = copy.deepcopy(tree)
            target = _forward(mutated, class_name)
            assert target is not None
            if not change(target, _same_node(target, node)):
                continue
            text = ast.unparse(ast.fix_missing_locations(mutated))
            if text in seen:
                continue
            seen.add(text)
            name = f"{operator}#{i}@{getattr(node, 'lineno', 0)}:{getattr(node, 'col_offset', 0)}"
            out.append(Mutant(name, operator, description, text, targets))
    return out


def _forward(tree: ast.Module, class_name: str) -> ast.FunctionDef | None:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "forward"), None)
    return None


def _same_node(forward: ast.FunctionDef, node: ast.AST) -> ast.AST:
    """The node of the copied forward at `node`'s position and of its type."""
    key = (type(node), getattr(node, "lineno", None), getattr(node, "col_offset", None),
           getattr(node, "end_col_offset", None))
    return next(n for n in ast.walk(forward) if (type(n), getattr(n, "lineno", None), getattr(n, "col_offset", None),
                                                  getattr(n, "end_col_offset", None)) == key)


# A site: (node in the original forward, description, change(forward copy, node copy) -> applied?)
Site = tuple[ast.AST, str, Callable[[ast.FunctionDef, ast.AST], bool]]


def _replace(forward: ast.FunctionDef, old: ast.AST, new: ast.AST) -> bool:
    """Put `new` where `old` is in `forward`."""
    for parent in ast.walk(forward):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return True
            if isinstance(value, list) and any(v is old for v in value):
                value[[id(v) for v in value].index(id(old))] = new
                return True
    return False


def _prepend(forward: ast.FunctionDef, code: str) -> bool:
    """Insert `code` at the start of forward's body (after a docstring)."""
    body = forward.body
    start = 1 if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) else 0
    body[start:start] = ast.parse(code).body
    return True


def _calls(forward: ast.FunctionDef) -> Iterator[ast.Call]:
    yield from (n for n in ast.walk(forward) if isinstance(n, ast.Call))


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


# --- operators -------------------------------------------------------------------------------

def _set(field: str, value: object) -> Callable[[ast.FunctionDef, ast.AST], bool]:
    """A change that sets one field of the site."""
    def change(forward: ast.FunctionDef, node: ast.AST) -> bool:
        setattr(node, field, value)
        return True
    return change


def _put(new: Callable[[ast.FunctionDef, ast.AST], ast.AST]) -> Callable[[ast.FunctionDef, ast.AST], bool]:
    """A change that replaces the site with `new(forward, site)`."""
    def change(forward: ast.FunctionDef, node: ast.AST) -> bool:
        return _replace(forward, node, new(forward, node))
    return change


def _prepending(code: str) -> Callable[[ast.FunctionDef, ast.AST], bool]:
    def change(forward: ast.FunctionDef, node: ast.AST) -> bool:
        return _prepend(forward, code)
    return change


def _expr(code: str) -> ast.expr:
    return ast.parse(code, mode="eval").body


def _method(name: str) -> Callable[[ast.FunctionDef, ast.AST], ast.AST]:
    """`site` -> `site.name()`."""
    return lambda forward, node: ast.Call(ast.Attribute(_expr(ast.unparse(node)), name, ast.Load()), [], [])


def _copy_of(original: ast.AST) -> Callable[[ast.FunctionDef, ast.AST], ast.AST]:
    """The node of the forward being changed that stands where `original` stands in the solution's."""
    return lambda forward, node: _same_node(forward, original)


def _inner(node: ast.AST, field: str) -> ast.AST:
    value = getattr(node, field)
    assert isinstance(value, ast.AST)
    return value


def swap_operator(forward: ast.FunctionDef, x: str) -> Iterator[Site]:
    for node in ast.walk(forward):
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in SWAPS:
            new = SWAPS[type(node.op)]
            yield node, f"{type(node.op).__name__} -> {new.__name__}", _set("op", new())
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARISONS:
            swapped = COMPARISONS[type(node.ops[0])]
            yield node, f"{type(node.ops[0]).__name__} -> {swapped.__name__}", _set("ops", [swapped()])


def drop_activation(forward: ast.FunctionDef, x: str) -> Iterator[Site]:
    for call in _calls(forward):
        name = _callee(call)
        if name not in ACTIVATIONS:
            continue
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        is_method = receiver is not None and not (isinstance(receiver, ast.Name) and receiver.id in ("self", "F",
                                                                                                     "torch", "nn"))
        operand = receiver if is_method and not call.args else (call.args[0] if call.args else None)
        if operand is not None:
            yield call, f"{name}(...) dropped", _put(_copy_of(operand))


def drop_dropout(forward: ast.FunctionDef, x: str) -> Iterator[Site]:
    """Dropout left out: the same function in eval mode, none in train mode."""
    for call in _calls(forward):
        if _callee(call) in DROPOUTS and call.args:
            yield call, f"{_callee(call)}(...) dropped", _put(_copy_of(call.args[0]))


def wrong_dim(forward: ast.FunctionDef, x: str) -> Iterator[Site]:
    for call in _calls(forward):
        if _callee(call) not in DIM_CALLS:
            continue
        dims = [k.value for k in call.keywords if k.arg in ("dim", "start_dim")]
        if not dims and _callee(call) in ("flatten", "transpose", "unsqueeze", "softmax", "log_softmax", "mean",
                                          "sum", "amax"):
            dims = call.args[:1]
        for dim in dims:
            if isinstance(dim, ast.Constant) and isinstance(dim.value, int) and not isinstance(dim.value, bool):
                value = dim.value - 1 if dim.value != 0 else 1
                yield dim, f"{_callee(call)}: dim {dim.value} -> {value}", _set("value", value)
            elif isinstance(dim, ast.Tuple) and dim.elts:
                values = [e.value for e in dim.elts if isinstance(e, ast.Constant) and isinstance(e.value, int)]
                if len(values) != len(dim.elts):
                    continue
                shifted = [ast.Constant(v - 1) for v in values]
                yield dim, f"{_callee(call)}: dims shifted by one", _set("elts", shifted)


def drop_transpose(forward: ast.FunctionDef, x: str) -> Iterator[Site]:
    for node in ast.walk(forward):
        if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
            yield node, f".{node.attr} dropped", _put(lambda f, n: _inner(n, "value"))
        elif isinstance(node, ast.Call) and _callee(node) in ("transpose", "permute", "t") and \
                isinstance(node.func, ast.Attribute):
            yield node, f".{_callee(node)}(...) dropped", _put(lambda f, n: _inner(_inner(n, "func"), "value"))


def cut_graph(forward: ast.FunctionDef, x: str) -> Iterator[Site]:
    yield forward, "the whole forward under torch.no_grad()", _under_no_grad
    yield forward, f"{x}.detach() on entry", _prepending(f"{x} = {x}.detach()")
    for node in ast.walk(forward):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            yield node, f"{node.targets[0].id} detached", _detach_value


DETACH = "(lambda v: v.detach() if isinstance(v, __import__('torch').Tensor) else v)(VALUE)"


def _detach_value(forward: ast.FunctionDef, node: ast.AST) -> bool:
    """`name = value` -> `name = value.detach()` when the value is a tensor (it may be a size)."""
    call = _expr(DETACH)
    assert isinstance(call, ast.Call) and isinstance(node, ast.Assign)
    call.args = [node.value]
    node.value = call
    return True


def _under_no_grad(forward: ast.FunctionDef, node: ast.AST) -> bool:
    block = ast.With([ast.withitem(_expr("__import__('torch').no_grad()"))], forward.body)
    forward.body = [block]
    return True


def cast_dtype(forward: ast.FunctionDef, x: str) -> Iterator[Site]:
    yield forward, f"{x}.float() on entry", _prepending(f"{x} = {x}.float()")
    for node in ast.walk(forward):
        if isinstance(node, ast.Return) and node.value is not None and \
                not isinstance(node.value, (ast.Tuple, ast.Dict)):
            yield node.value, "output cast with .float()", _put(_method("float"))
    for call in _calls(forward):
        for keyword in call.keywords:
            # a float dtype (x.dtype, torch.float64): a bool or integer one (a mask, indices) is not x's to follow
            if keyword.arg == "dtype" and not any(k in ast.unparse(keyword.value) for k in ("bool", "int", "long")):
                yield keyword, "dtype=torch.float32 where x's dtype belongs", \
                    _set("value", _expr("__import__('torch').float32"))


def in_place(forward: ast.FunctionDef, x: str) -> Iterator[Site]:
    for call in _calls(forward):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in IN_PLACE and isinstance(func.value, ast.Name) and \
                func.value.id == x:
            yield func, f"{x}.{func.attr}(...) in place", _set("attr", func.attr + "_")
    yield forward, f"{x} written in place on entry", _prepending(f"{x}.mul_(1.0)")
    yield forward, "a parameter written in place", _prepending("next(self.parameters()).data.mul_(1.0001)")


def constant_batch(forward: ast.FunctionDef, x: str) -> Iterator[Site]:
    for node in ast.walk(forward):
        zero_index = isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and \
            node.value.attr == "shape" and isinstance(node.slice, ast.Constant) and node.slice.value == 0
        size_zero = isinstance(node, ast.Call) and _callee(node) == "size" and bool(node.args) and \
            isinstance(node.args[0], ast.Constant) and node.args[0].value == 0
        if zero_index or size_zero:
            yield node, "batch size written as 4", _put(lambda f, n: ast.Constant(4))
    yield forward, f"{x} reshaped to a batch of 4", _prepending(f"{x} = {x}.reshape(4, *{x}.shape[1:])")


def flip_mode(forward: ast.FunctionDef, x: str) -> Iterator[Site]:
    for node in ast.walk(forward):
        if isinstance(node, ast.Attribute) and node.attr == "training":
            yield node, "self.training negated", _put(lambda f, n: ast.UnaryOp(ast.Not(), _expr(ast.unparse(n))))
    yield forward, f"{x} scaled in train mode only", _prepending(f"{x} = {x} * 1.01 if self.training else {x}")


OPERATORS: dict[str, tuple[tuple[str, ...], Callable[[ast.FunctionDef, str], Iterator[Site]]]] = {
    "swap-operator": (WRONG_OUTPUT, swap_operator),
    "drop-activation": (WRONG_OUTPUT, drop_activation),
    "drop-dropout": (("mode",), drop_dropout),
    "wrong-dim": (WRONG_AXIS, wrong_dim),
    "drop-transpose": (WRONG_OUTPUT, drop_transpose),
    "cut-graph": (("grad",), cut_graph),
    "cast-dtype": (("dtype",), cast_dtype),
    "in-place": (("purity",), in_place),
    "constant-batch": (("batch",), constant_batch),
    "flip-mode": (("mode",), flip_mode),
}
