"""Raw errors and wrong shapes in plain words: what a torch error raised by the learner's forward most
likely means, and what a wrong output shape most likely comes from.

Each meaning is a regular expression on the error's message and a sentence that may use its groups
(`{0}`, `{1}`, ...). An exercise adds its own, more precise ones (Exercise.error_meanings), which are
tried first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

COMMON: dict[str, str] = {
    r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)":
        "a matrix product got shapes that do not fit ({0}x{1} @ {2}x{3}): the inner sizes must agree. A weight "
        "stored as [out, in] multiplies as x @ weight.T, and a flatten must keep the batch: x.flatten(1)",
    r"self must be a matrix|mat2 must be a matrix|Expected 2D|expected 2D|must be a matrix|batch1 must be a 3D":
        "torch.mm, addmm and bmm take tensors of a fixed number of dims, and this input has more (extra leading "
        "dims): x @ w.T and torch.matmul broadcast over any leading dims",
    r"einsum\(\): the number of subscripts in the equation \((\d+)\) does not match the number of dimensions "
    r"\((\d+)\)":
        "your einsum equation names {0} dims but the tensor has {1}: write '...' for the leading dims "
        "(e.g. '...i,oi->...o') so that any number of them works",
    r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at non-singleton dimension (\d+)":
        "two tensors with different sizes in one dim ({0} and {1}) were combined: one of them was built for "
        "another input (a size written as a number, a table or mask kept from an earlier call) or is broadcast "
        "along the wrong axis (a [B, C] scale needs [:, :, None, None] to meet [B, C, H, W])",
    r"shape '\[([^\]]*)\]' is invalid for input of size (\d+)":
        "view/reshape to a fixed shape [{0}] that does not fit this input ({1} values): take the sizes from the "
        "input (x.size(0), -1) instead of writing numbers",
    r"expected scalar type (\w+) but found (\w+)|expected m1 and m2 to have the same dtype|must have the same "
    r"dtype|should be the same|Input type .* and (weight|bias) type .* should be the same":
        "two tensors of different dtypes met: a tensor created inside forward has a fixed dtype (torch.zeros(n) "
        "is float32); create it with dtype=x.dtype (or torch.zeros_like / x.new_zeros)",
    r"Expected all tensors to be on the same device":
        "a tensor created inside forward is on another device: create it with device=x.device",
    r"modified by an inplace operation":
        "an in-place operation (+=, .relu_(), inplace=True, t[...] = ...) overwrote a tensor that backward() "
        "still needs: use the out-of-place form (out = out + identity)",
    r"Given groups=\d+, weight of size \[([^\]]*)\], expected input\[([^\]]*)\] to have (\d+) channels, but got "
    r"(\d+) channels":
        "a convolution expecting {2} channels got an input [{1}] with {3}: its dims are in the wrong order (it "
        "must be [B, C, H, W]) or the layer is applied to the wrong tensor",
    r"input has inconsistent input_size: got (\d+) expected (\d+)":
        "the cell got an input of size {0} where it expects {1}: nn.RNNCell takes (input, hidden), in that "
        "order",
    r"Expected hidden size \(([^)]*)\), got \[([^\]]*)\]|hidden0 has inconsistent hidden_size":
        "the hidden state has the wrong shape: nn.RNNCell takes (input, hidden) with hidden [B, hidden_size]",
    r"index (-?\d+) is out of bounds for dimension (\d+) with size (\d+)":
        "index {0} is past the end of dim {1}, which has size {2}: a loop or slice of fixed length; take "
        "lengths from the input (x.size(1))",
    r"Boolean value of Tensor with more than one value is ambiguous":
        "a Python if, and, or on a tensor of several values (one per sample): decide per sample with tensor "
        "operations (torch.where(condition, a, b))",
    r"where\(\).*condition|where expected condition to be a boolean|expected condition to be a boolean":
        "torch.where(condition, if_true, if_false) takes the bool condition first",
    r"masked_fill_? only supports boolean masks|masked_fill.*invalid combination of arguments":
        "masked_fill(mask, value) takes the bool mask first, then the value",
    r"(\w+)\(\) received an invalid combination of arguments":
        "{0}() got its arguments in an order or of a kind it does not take (a tensor where a number belongs, "
        "or the other way round): check its signature, e.g. torch.cat(tensors, dim=1), torch.where(condition, "
        "a, b), x.masked_fill(mask, value)",
    r"Dimension out of range \(expected to be in range of \[(-?\d+), (-?\d+)\], but got (-?\d+)\)":
        "dim {2} does not exist in this tensor (its dims run from {0} to {1}): count the dims of the tensor "
        "at that line (the batch is dim 0)",
    r"Sizes of tensors must match except in dimension (\d+)":
        "torch.cat needs equal sizes in every dim but the one it joins ({0}): the pieces come from different "
        "inputs, or are joined along the wrong dim",
    r"Can't call numpy\(\) on Tensor that requires grad|can't convert .* to numpy":
        "forward leaves torch (.numpy(), .tolist(), .item()): stay with tensor operations, so that autograd "
        "and every device still work",
    r"running_mean should contain (\d+) elements not (\d+)":
        "BatchNorm got {1} features where it has {0}: it is applied to the wrong tensor, or the dims are in "
        "the wrong order",
    r"'NoneType' object (has no attribute|is not subscriptable)|unsupported operand type\(s\) for .*NoneType":
        "something is None where a tensor is expected: an optional argument (h0, a mask) that was not given, "
        "or a helper that forgets to return",
    r"does not require grad|element 0 of tensors does not require grad":
        "forward cuts its output off from autograd: torch.no_grad(), .detach(), .data, .item(), .tolist(), "
        ".numpy() or a tensor rebuilt with torch.tensor(...) leave no gradient for backward() to follow",
    r"(not enough|too many) values to unpack":
        "unpacking a shape into names: the tensor has a different number of dims than the code assumes (the "
        "input may have extra leading dims)",
    r"size mismatch, got input \((\d+)\), mat \((\d+)x(\d+)\), vec \((\d+)\)":
        "a matrix-vector product got sizes that do not fit: {0} values against a {1}x{2} matrix",
}


def meaning(message: str, own: Mapping[str, str] | None = None) -> str | None:
    """What an error message most likely means, in plain words: the exercise's own meanings first."""
    for pattern, text in [*(own or {}).items(), *COMMON.items()]:
        found = re.search(pattern, message)
        if found:
            return text.format(*(g if g is not None else "?" for g in found.groups()))
    return None


def shape_meaning(got: list[int], want: list[int]) -> str | None:
    """What most likely made an output of shape `got` where `want` belongs (the batch is dim 0)."""
    numel = _product(got)
    if got == want:
        return None
    if want and got == want[1:]:
        return "the batch dim is missing: a squeeze() or an index [0] removed it"
    if want and len(got) == len(want) + 1 and got[1:] == want and got[0] == 1:
        return "there is an extra dim in front: an unsqueeze(0) too many"
    if numel == _product(want) and sorted(got) == sorted(want):
        return "the dims are in the wrong order: a transpose/permute too many (or missing), or a stack along " \
               "the wrong dim"
    if want and got and got[0] > want[0] and got[0] % want[0] == 0 and len(got) == len(want):
        return f"dim 0 has {got[0]} rows for a batch of {want[0]}: pieces joined along the batch dim (torch.cat " \
               "or torch.stack with dim=0), or a reshape that moves features into the batch dim"
    if numel == _product(want) and want and got and got[0] != want[0]:
        return f"the batch of {want[0]} samples was folded into other dims: flatten and reshape with the batch " \
               "kept (x.flatten(1), x.view(x.size(0), -1)), never flatten() or view(-1, ...)"
    if numel == _product(want):
        return "the values are all there but in another shape: a view/reshape/squeeze too many or too few"
    differ = [d for d in range(len(want)) if len(got) == len(want) and got[d] != want[d]]
    if len(differ) == 1 and differ[0] > 0:
        d = differ[0]
        return f"dim {d} is {got[d]} where the reference's is {want[d]}: a size fixed in forward (a number " \
               "written in, a loop or table of fixed length) or a layer applied to the wrong tensor"
    if want and got and got[0] == want[0] and len(got) == len(want) and got[1:] != want[1:]:
        return "each sample comes out with the wrong size: a layer is skipped, applied twice, or gets the wrong input"
    if want and got and got[0] != want[0]:
        return f"the output has {got[0]} rows for a batch of {want[0]}: samples were merged, split or dropped " \
               "(a reshape with a fixed size, a reduction over dim 0, or a loop over a fixed number of samples)"
    return None


def _product(shape: list[int]) -> int:
    out = 1
    for d in shape:
        out *= d
    return out
