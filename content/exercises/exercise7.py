"""Exercise 7 — UnrolledRNN: unroll an RNN cell over the time steps, with a head on every step.

Task: forward(x, h0=None) takes a sequence x of shape [B, T, input_size] (any T >= 1) and an
optional initial hidden state h0 of shape [B, hidden_size]. When h0 is None, start from zeros
on x's device and in x's dtype. Loop over the time steps in order,
h_t = self.cell(x[:, t], h_{t-1}), and return a tuple:
  outputs of shape [B, T, output_size], where outputs[:, t] = self.head(h_t),
  h_T of shape [B, hidden_size], the hidden state after the last step.

Check it with:  grader check exercise7
"""

import torch
from torch import nn


class UnrolledRNN(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__()
        self.cell = nn.RNNCell(input_size, hidden_size)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """x: [B, T, input_size], h0: [B, hidden_size] or None -> (outputs [B, T, output_size], h_T [B, hidden_size])."""
        raise NotImplementedError("write forward: loop self.cell over the T steps, self.head on each h_t")
