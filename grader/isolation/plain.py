"""What an observation may hold, made in the child: plain CPU tensors and primitives (`plain`), and
errors as plain dicts (`describe_error`); `error_text` words such a dict the same way everywhere
(checks, traces, training). Imports only torch.
"""

from __future__ import annotations

import traceback
from typing import Any

import torch
from torch import nn
from torch.utils._pytree import tree_map


def describe_error(err: BaseException, learner_file: str | None = None) -> dict:
    """The error type, message and the innermost line of the learner's file that raised it."""
    where = ""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if learner_file is None or frame.filename == learner_file:
            where = f"line {frame.lineno}, in {frame.name}: {(frame.line or '').strip()}"
            break
    return {"type": type(err).__name__, "message": str(err)[:2000], "where": where}


def plain(value: Any) -> Any:
    """A copy of `value` holding only plain CPU tensors and primitives; other leaves become type names.

    Tensor subclasses are not unwrapped (they could lie about their data): they become a type name,
    which the judge reports as a wrong return type.
    """
    def leaf(x: Any) -> Any:
        if isinstance(x, nn.Parameter):
            x = x.detach()
        if type(x) is torch.Tensor:
            return x.detach().to("cpu", copy=True)
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        return {"__type__": f"{type(x).__module__}.{type(x).__qualname__}"}

    if isinstance(value, (tuple, list, dict)):
        return tree_map(leaf, value)
    return leaf(value)


def error_text(error: dict) -> str:
    """'TypeError at line 5, in forward: y = x @ w: message', from a `describe_error` dict."""
    at = f" at {error['where']}" if error.get("where") else ""
    return f"{error.get('type', 'Error')}{at}: {error.get('message', '')}"
