"""The references that stand in for torchvision's modules compute what those modules compute.

Grading never imports torchvision (it would add about half a second to every cold check): the specs of
exercises 2, 4, 9 and 10 build the same layers from torch alone. Here each is compared with the
torchvision module the curriculum names: the same state_dict names and shapes, the same weights from
the same seed, and the same outputs and gradients in eval and in train mode.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn
from torchvision.models.resnet import BasicBlock
from torchvision.ops import MLP, SqueezeExcitation

from grader.course import registry
from grader.isolation.child import materialize


def _torchvision(exercise_id: str, config) -> nn.Module:
    args, kwargs = config.args, materialize(dict(config.kwargs))
    builders: dict[str, Callable[[], nn.Module]] = {
        "exercise2": lambda: nn.Sequential(nn.Flatten(), MLP(784, [128, 10])),
        "exercise4": lambda: MLP(args[0], [args[1], args[1], args[2]], activation_layer={
            "relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}[kwargs.get("activation", "relu")]),
        "exercise9": lambda: BasicBlock(*args, **kwargs),
        "exercise10": lambda: SqueezeExcitation(*args),
    }
    return builders[exercise_id]()


CASES = [(exercise_id, config.name) for exercise_id in ("exercise2", "exercise4", "exercise9", "exercise10")
         for config in registry.load(exercise_id).configs]


@pytest.mark.parametrize(("exercise_id", "config_name"), CASES)
def test_reference_computes_what_torchvision_does(exercise_id: str, config_name: str) -> None:
    exercise = registry.load(exercise_id)
    config = exercise.config(config_name)
    torch.manual_seed(0)
    ours = exercise.reference(config)
    torch.manual_seed(0)
    theirs = _torchvision(exercise_id, config)
    theirs.load_state_dict(ours.state_dict())  # spread_batchnorm's statistics too
    assert {n: t.shape for n, t in ours.state_dict().items()} == {n: t.shape for n, t in theirs.state_dict().items()}
    inputs = exercise.inputs(config, 5, torch.Generator().manual_seed(1), {})
    for train in (False, True):
        outputs = []
        for model in (ours, theirs):
            model.train(train)
            x = inputs.args[0].clone().requires_grad_(True)
            out = model(x)
            out.square().sum().backward()
            outputs.append((out.detach(), x.grad, [p.grad.clone() for p in model.parameters()]))
            model.zero_grad()
        (out_a, grad_a, params_a), (out_b, grad_b, params_b) = outputs
        torch.testing.assert_close(out_a, out_b)
        torch.testing.assert_close(grad_a, grad_b)
        for a, b in zip(params_a, params_b, strict=True):
            torch.testing.assert_close(a, b)


def test_the_same_seed_gives_the_same_weights() -> None:
    """The weights the learner receives are those torchvision's module would hold under the same seed."""
    for exercise_id in ("exercise2", "exercise4"):
        exercise = registry.load(exercise_id)
        config = exercise.configs[0]
        torch.manual_seed(3)
        ours = exercise.reference(config).state_dict()
        torch.manual_seed(3)
        theirs = _torchvision(exercise_id, config).state_dict()
        for name, tensor in ours.items():
            torch.testing.assert_close(tensor, theirs[name])
