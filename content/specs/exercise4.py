"""exercise4: DeepMLP — three linear layers with the activation chosen by name (seed 001 step 5, pitfall 2).

Every activation variant is its own config, so a forward that hard-codes ReLU instead of using
`self.act` passes "relu" and fails "tanh" and "gelu" with a message that says so.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import Config, Exercise, Inputs, Mistake, mlp, probe

SIZES = (12, 32, 6)  # in_features, hidden, out_features
ACTIVATIONS: dict[str, tuple[type[nn.Module], Callable[[torch.Tensor], torch.Tensor]]] = {
    "relu": (nn.ReLU, F.relu), "tanh": (nn.Tanh, torch.tanh), "gelu": (nn.GELU, F.gelu)}
NAMES = {"relu": "ReLU", "tanh": "tanh", "gelu": "GELU"}


def _activation(config: Config) -> str:
    return config.kwargs.get("activation", "relu")


def _fc(s: dict, name: str, x: torch.Tensor) -> torch.Tensor:
    return F.linear(x, s[f"{name}.weight"], s[f"{name}.bias"])


def _mlp(s: dict, x: torch.Tensor, after1=None, after2=None, after3=None) -> torch.Tensor:
    """fc3(after2(fc2(after1(fc1(x))))), then after3; a missing function means no activation there."""
    same = lambda h: h  # noqa: E731
    h = (after1 or same)(_fc(s, "fc1", x))
    h = (after2 or same)(_fc(s, "fc2", h))
    return (after3 or same)(_fc(s, "fc3", h))


def _act(config: Config) -> Callable[[torch.Tensor], torch.Tensor]:
    return ACTIVATIONS[_activation(config)][1]


class DeepMLPSpec(Exercise):
    id = "exercise4"
    class_name = "DeepMLP"
    # "default" builds DeepMLP without the activation argument: its default is "relu"
    configs = (Config("default", SIZES), Config("tanh", SIZES, {"activation": "tanh"}),
               Config("gelu", SIZES, {"activation": "gelu"}))
    name_map = {"fc1": "0", "fc2": "3", "fc3": "6"}  # torchvision.ops.MLP numbers its layers
    expected_calls = {"fc1": (1,), "fc2": (1,), "fc3": (1,)}

    def reference(self, config: Config) -> nn.Module:
        in_features, hidden, out_features = config.args
        # torchvision.ops.MLP(in, [h, h, out], activation_layer=...), layer for layer
        return mlp(in_features, [hidden, hidden, out_features], ACTIVATIONS[_activation(config)][0])

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant) -> Inputs:
        return Inputs((probe(gen, batch, config.args[0], scale=2.0),))  # wide enough to tell the activations apart

    def mistakes(self) -> list[Mistake]:
        hard_coded = [
            Mistake(f"your output is what {NAMES[name]} gives, but this model was built with another activation: "
                    f"use self.act, which __init__ chose from `activation`, instead of hard-coding {NAMES[name]}",
                    lambda s, c, x, f=fn: _mlp(s, x, f, f))
            for name, (_, fn) in ACTIVATIONS.items()]
        return [*hard_coded,
            Mistake("your output equals the reference without any activation: did you forget self.act between the "
                    "layers? Without it, fc1, fc2 and fc3 collapse into one linear map",
                    lambda s, c, x: _mlp(s, x)),
            Mistake("your output has the activation after fc3 too: return fc3's output as it is, with no activation "
                    "on the output",
                    lambda s, c, x: _mlp(s, x, _act(c), _act(c), _act(c))),
            Mistake("your output has the activation after fc1 but not after fc2: apply self.act after both hidden "
                    "layers",
                    lambda s, c, x: _mlp(s, x, _act(c))),
            Mistake("your output has the activation after fc2 but not after fc1: apply self.act after both hidden "
                    "layers",
                    lambda s, c, x: _mlp(s, x, after2=_act(c))),
            Mistake("your output has one activation, after fc3 only: apply self.act after fc1 and after fc2, not on "
                    "the output",
                    lambda s, c, x: _mlp(s, x, after3=_act(c))),
        ]


EXERCISE = DeepMLPSpec()
