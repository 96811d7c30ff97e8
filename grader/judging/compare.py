"""Comparing observed outputs with expected ones, in torch.testing.assert_close's own terms.

The mismatch text is assert_close's (mismatched count and percentage, greatest absolute and
relative difference with their index, the tolerance); this module only adds what it can't know:
wrong return types and NaN/Inf (where the data first departs from the reference is grader.judging.stages).
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils._pytree import tree_flatten, tree_flatten_with_path


def wrong_types(value: Any) -> list[str]:
    """Names of leaves that are not plain tensors (the child turns them into {'__type__': name})."""
    leaves = tree_flatten(value, is_leaf=lambda x: isinstance(x, dict) and "__type__" in x)[0]
    return [leaf["__type__"] for leaf in leaves if isinstance(leaf, dict) and "__type__" in leaf] + \
        [type(leaf).__name__ for leaf in leaves if leaf is not None and not isinstance(leaf, (torch.Tensor, dict))]


def dims(shape: list[int] | torch.Size) -> str:
    """'64x784', or 'scalar' for a 0-d tensor."""
    return "x".join(str(d) for d in shape) if len(shape) else "scalar"


def structure(value: Any, compact: bool = False) -> str:
    """What a value is made of: 'tensor [4, 10]', 'tuple(tensor [4, 5, 3], tensor [4, 8])',
    'dict(embedding: ..., logits: ...)'; `compact` (for tables): '4x10', '(4x5x3, 4x8)', '{embedding: ...}'.
    A leaf the child could not send as a tensor is its type name. Dict keys are sorted: a dict's
    insertion order is not part of its structure."""
    if isinstance(value, torch.Tensor):
        return dims(value.shape) if compact else f"tensor {list(value.shape)}"
    if isinstance(value, dict) and "__type__" in value:
        return value["__type__"]
    if isinstance(value, (tuple, list)):
        inner = ", ".join(structure(v, compact) for v in value)
        return f"({inner})" if compact else f"{type(value).__name__}({inner})"
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {structure(v, compact)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0])))
        return f"{{{inner}}}" if compact else f"dict({inner})"
    return type(value).__name__


def structure_difference(actual: Any, expected: Any) -> str | None:
    """None when both have the same structure, else 'expected X, got Y', naming missing or extra dict keys."""
    want, got = structure(expected), structure(actual)
    if want == got:
        return None
    text = f"expected {want}, got {got}"
    if isinstance(actual, dict) and isinstance(expected, dict) and "__type__" not in actual:
        missing = [repr(k) for k in expected if k not in actual]
        extra = [repr(k) for k in actual if k not in expected]
        text += "".join(f" ({what} key{'s' if len(keys) > 1 else ''} {', '.join(keys)})"
                        for what, keys in (("missing", missing), ("unexpected", extra)) if keys)
    return text


def close(actual: Any, expected: Any, rtol: float | None, atol: float | None) -> bool:
    """assert_close's criterion (same dtype and shape, |a - e| <= atol + rtol * |e|, its default
    tolerances per dtype, NaN equal to NaN), without its per-call import of torch.distributed."""
    from torch.testing._comparison import default_tolerances

    # leaves paired by their path (dict key, index), so that dict key order does not matter
    a_leaves, e_leaves = dict(tree_flatten_with_path(actual)[0]), dict(tree_flatten_with_path(expected)[0])
    if a_leaves.keys() != e_leaves.keys():
        return False
    for path, e in e_leaves.items():
        a = a_leaves[path]
        if not (isinstance(a, torch.Tensor) and isinstance(e, torch.Tensor)):
            if a != e:
                return False
            continue
        if a.dtype != e.dtype or a.shape != e.shape:
            return False
        r, t = (rtol, atol) if rtol is not None and atol is not None else default_tolerances(a, e)
        if not torch.isclose(a, e, rtol=r, atol=t, equal_nan=True).all():
            return False
    return True


def mismatch(actual: Any, expected: Any, rtol: float | None = None, atol: float | None = None) -> str | None:
    """None when `actual` matches `expected`, else assert_close's explanation (first line dropped)."""
    different = structure_difference(actual, expected)
    if different:
        return different
    if close(actual, expected, rtol, atol):
        return None
    dtypes = {(a.dtype, e.dtype) for a, e in zip(tree_flatten(actual)[0], tree_flatten(expected)[0], strict=False)
              if isinstance(a, torch.Tensor) and isinstance(e, torch.Tensor) and a.dtype != e.dtype}
    if dtypes:
        got, want = next(iter(dtypes))
        return (f"your output's dtype is {str(got).removeprefix('torch.')}, the reference's is "
                f"{str(want).removeprefix('torch.')}: something in forward is created with, or cast to, a fixed dtype")
    try:
        torch.testing.assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    except AssertionError as err:
        text = str(err).strip()
        return text.split("\n\n", 1)[-1] if "\n\n" in text else text
    except Exception as err:  # noqa: BLE001 - a structure assert_close cannot compare is a mismatch too
        return str(err)
    return None


def non_finite(value: Any) -> bool:
    return any(isinstance(t, torch.Tensor) and t.is_floating_point() and not torch.isfinite(t).all()
               for t in tree_flatten(value)[0])
