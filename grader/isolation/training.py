"""The training loop of `grader train`, run in the child on the learner's model (see grader.modes.train).

Imports only torch: it runs in the child forked from the zygote. The parent reads the frames it emits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from grader.isolation.plain import describe_error


@dataclass(frozen=True)
class Settings:
    epochs: int = 5
    seed: int = 0
    batch: int = 64
    lr: float = 1e-3
    optimizer: str = "adam"  # adam, or sgd with momentum 0.9


def as_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 [N, 28, 28] -> float [N, 1, 28, 28] in [0, 1], as the exercises take them."""
    return images.unsqueeze(1).float().div(255)


class TrainingError(Exception):
    """The learner's model cannot be trained as it is (wrong output, no gradient, loss not finite)."""


def run_in_child(model: nn.Module, spec: dict, emit: Callable[[dict], None], learner_file: str) -> None:
    """Train `model` as `spec` says, emitting {"kind": "epoch", ...} per epoch, or one "train-error"."""
    settings = Settings(**spec["settings"])
    epoch = 0
    try:
        torch.manual_seed(settings.seed)
        order = torch.Generator().manual_seed(settings.seed)
        x_train, y_train = as_input(spec["train_images"]), spec["train_labels"]
        x_test, y_test = as_input(spec["test_images"]), spec["test_labels"]
        optimizer = _optimizer(model, settings)
        for epoch in range(1, settings.epochs + 1):
            start = time.perf_counter()
            loss, train_accuracy = _epoch(model, optimizer, x_train, y_train, settings.batch, order)
            emit({"kind": "epoch", "epoch": epoch, "loss": loss, "train_accuracy": train_accuracy,
                  "accuracy": _accuracy(model, x_test, y_test), "seconds": time.perf_counter() - start})
    except BaseException as err:  # the learner's code may raise anything: report it, in their terms
        error = {"type": "TrainingError", "message": str(err), "where": ""} if isinstance(err, TrainingError) \
            else describe_error(err, learner_file)
        emit({"kind": "train-error", "epoch": epoch, "error": error})


def _optimizer(model: nn.Module, settings: Settings) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise TrainingError("your model has no trainable parameters")
    if settings.optimizer == "sgd":
        return torch.optim.SGD(params, lr=settings.lr, momentum=0.9)
    return torch.optim.Adam(params, lr=settings.lr)


def _epoch(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
           batch: int, order: torch.Generator) -> tuple[float, float]:
    """One pass over the shuffled training digits: (mean loss, training accuracy)."""
    model.train()
    total_loss, correct = 0.0, 0
    for idx in torch.randperm(len(y), generator=order).split(batch):
        logits = _logits(model(x[idx]), len(idx))
        loss = nn.functional.cross_entropy(logits, y[idx])
        if not loss.requires_grad:
            raise TrainingError("the loss does not depend on your model's parameters: does forward use "
                                ".detach(), torch.no_grad() or .item()?")
        if not torch.isfinite(loss):
            raise TrainingError(f"the loss became {loss.item()}: look for a division by zero or an exp/log of "
                                "large values in forward (or try a smaller --lr)")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(idx)
        correct += int((logits.argmax(dim=1) == y[idx]).sum())
    return total_loss / len(y), correct / len(y)


def _logits(output: object, batch: int) -> torch.Tensor:
    if not isinstance(output, torch.Tensor):
        raise TrainingError(f"forward returned {type(output).__name__}; training needs a tensor of logits "
                            f"[{batch}, 10]")
    if tuple(output.shape) != (batch, 10) or not output.is_floating_point():
        raise TrainingError(f"forward returned a {output.dtype} tensor of shape {list(output.shape)} for a batch of "
                            f"{batch} digits; training needs float logits of shape [{batch}, 10]")
    return output


@torch.no_grad()
def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    predictions = torch.cat([_logits(model(part), len(part)).argmax(dim=1) for part in x.split(500)])
    return float((predictions == y).float().mean())


