"""exercise7: UnrolledRNN — an RNN cell unrolled over the time steps in forward (seed 001 step 7, 002 step 5).

The reference is `nn.RNN(I, H, batch_first=True)` holding the cell's weights, then the head on
every step. Value cases cover several sequence lengths and an initial state given positionally
and by keyword; the cell must run once per time step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from grader.authoring import CaseSpec, Config, Exercise, Inputs, Mistake, probe

SIZES = (6, 8, 3)  # input_size, hidden_size, output_size: all different, so mixing them up changes shapes
STEPS = 5  # T of every case that does not name its own
RNN_PARAM = re.compile(r"rnn\.(weight|bias)_(ih|hh)_l0")
CELL_PARAM = re.compile(r"cell\.(weight|bias)_(ih|hh)")


class RNNReference(nn.Module):
    """nn.RNN over the whole sequence, then the head on every step's hidden state."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int) -> None:
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        states, h_n = self.rnn(x, None if h0 is None else h0.unsqueeze(0))
        return self.head(states), h_n[0]


Step = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _cell(s: dict, act: Callable[[torch.Tensor], torch.Tensor] = torch.tanh) -> Step:
    """h_t = act(x_t W_ih^T + b_ih + h W_hh^T + b_hh), as nn.RNNCell computes it (with tanh)."""
    return lambda x_t, h: act(F.linear(x_t, s["cell.weight_ih"], s["cell.bias_ih"]) +
                              F.linear(h, s["cell.weight_hh"], s["cell.bias_hh"]))


def _start(s: dict, x: torch.Tensor, h0: torch.Tensor | None) -> torch.Tensor:
    """h0, or zeros when it is None."""
    return h0 if h0 is not None else x.new_zeros(x.size(0), s["cell.weight_hh"].size(0))


def _states(s: dict, x: torch.Tensor, h0: torch.Tensor | None, order: range | None = None,
            act=torch.tanh) -> list[torch.Tensor]:
    """The hidden states after each step, in the order the steps are taken."""
    step, h = _cell(s, act), _start(s, x, h0)
    states = []
    for t in order if order is not None else range(x.size(1)):
        h = step(x[:, t], h)
        states.append(h)
    return states


def _head(s: dict, states: list[torch.Tensor]) -> torch.Tensor:
    return F.linear(torch.stack(states, dim=1), s["head.weight"], s["head.bias"])


def _unrolled(s: dict, x: torch.Tensor, h0: torch.Tensor | None, act=torch.tanh, final: int = -1):
    """(head of every state, the state at index `final`): the right answer with the defaults."""
    states = _states(s, x, h0, act=act)
    return _head(s, states), states[final]


def _reversed(s: dict, x: torch.Tensor, h0: torch.Tensor | None, store_at_t: bool):
    states = _states(s, x, h0, order=range(x.size(1) - 1, -1, -1))
    return _head(s, states[::-1] if store_at_t else states), states[-1]


def _from_previous(s: dict, x: torch.Tensor, h0: torch.Tensor | None):
    states = _states(s, x, h0)
    return _head(s, [_start(s, x, h0), *states[:-1]]), states[-1]


def _same_start(s: dict, x: torch.Tensor, h0: torch.Tensor | None):
    """Every step starts again from h0 (or zeros) instead of the previous step's state."""
    step, h = _cell(s), _start(s, x, h0)
    states = [step(x[:, t], h) for t in range(x.size(1))]
    return _head(s, states), states[-1]


class UnrolledRNNSpec(Exercise):
    id = "exercise7"
    class_name = "UnrolledRNN"
    forward_args = ("x", "h0")  # h0 is optional
    configs = (Config("default", SIZES), Config("small", (4, 5, 2)))
    error_meanings = {
        r"index (\d+) is out of bounds for dimension 1 with size (\d+)":
            "your loop runs a fixed number of time steps, past this sequence's {1}: loop over "
            "range(x.size(1)), the length of the sequence it is given",
        r"input has inconsistent input_size|Expected hidden size|hidden0 has inconsistent":
            "self.cell takes (input, hidden) in that order: self.cell(x[:, t], h) with x[:, t] [B, input_size] "
            "and h [B, hidden_size]",
    }

    def reference(self, config: Config) -> nn.Module:
        return RNNReference(*config.args)

    def to_learner_name(self, reference_name: str) -> str:
        """rnn.weight_ih_l0 -> cell.weight_ih: nn.RNN's layer-0 weights are the cell's."""
        m = RNN_PARAM.fullmatch(reference_name)
        return f"cell.{m[1]}_{m[2]}" if m else reference_name

    def to_reference_name(self, learner_name: str) -> str:
        m = CELL_PARAM.fullmatch(learner_name)
        return f"rnn.{m[1]}_{m[2]}_l0" if m else learner_name

    def inputs(self, config: Config, batch: int, gen: torch.Generator, variant: Mapping) -> Inputs:
        input_size, hidden_size, _ = config.args
        x = probe(gen, batch, variant.get("T", STEPS), input_size)
        given = variant.get("h0")
        if given is None:
            return Inputs((x,))
        h0 = probe(gen, batch, hidden_size)
        return Inputs((x, h0)) if given == "positional" else Inputs((x,), {"h0": h0})

    def value_cases(self) -> list[CaseSpec]:
        # stages are off: the cell runs T times where the reference's RNN runs once, so submodule
        # outputs don't line up; the mistakes and assert_close's index (b, t, ...) say where instead
        return [CaseSpec("values/default"),
                CaseSpec("values/T1", variant={"T": 1}),
                CaseSpec("values/T9", variant={"T": 9}),
                CaseSpec("values/h0", variant={"T": 4, "h0": "positional"}),
                CaseSpec("values/h0-keyword", variant={"T": 3, "h0": "keyword"}),
                CaseSpec("values/small", config="small")]

    def grad_variants(self) -> list[Mapping]:
        # h0 is a floating input of the contract: its gradient is checked, given either way
        return [{}, {"T": 4, "h0": "positional"}, {"T": 3, "h0": "keyword"}]

    def calls_expected(self, case: CaseSpec) -> Mapping[str, tuple[int, ...]]:
        steps = case.variant.get("T", STEPS)
        return {"cell": (steps,), "head": tuple(sorted({1, steps}))}

    def mistakes(self) -> list[Mistake]:
        return [
            Mistake("your loop runs over the time steps in reverse: go forward, t = 0, 1, ..., T-1",
                    lambda s, c, x, h0=None: _reversed(s, x, h0, store_at_t=True)),
            Mistake("your loop runs over the time steps in reverse: go forward, t = 0, 1, ..., T-1",
                    lambda s, c, x, h0=None: _reversed(s, x, h0, store_at_t=False)),
            Mistake("your output is what the RNN gives from a zero state although h0 was given: start from h0 when "
                    "it is passed, and from zeros only when it is None",
                    lambda s, c, x, h0=None: _unrolled(s, x, None)),
            Mistake("outputs[:, t] is computed from the hidden state before step t: first update "
                    "h = self.cell(x[:, t], h), then apply the head to the new h",
                    lambda s, c, x, h0=None: _from_previous(s, x, h0)),
            Mistake("your second output is the hidden state after the first step: return the last one, h_T",
                    lambda s, c, x, h0=None: _unrolled(s, x, h0, final=0)),
            Mistake("your hidden state uses ReLU: nn.RNNCell applies tanh (its default nonlinearity)",
                    lambda s, c, x, h0=None: _unrolled(s, x, h0, act=F.relu)),
            Mistake("every step starts from h0 (or zeros) again: pass each step the hidden state the previous step "
                    "returned",
                    lambda s, c, x, h0=None: _same_start(s, x, h0)),
        ]


EXERCISE = UnrolledRNNSpec()
