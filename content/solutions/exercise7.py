"""A correct solution of exercise7 (the pack's self-test grades it: it must pass every check)."""
import torch
from torch import nn


class UnrolledRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.cell = nn.RNNCell(input_size, hidden_size)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x, h0=None):
        h = h0 if h0 is not None else torch.zeros(x.shape[0], self.cell.hidden_size, device=x.device, dtype=x.dtype)
        outputs = []
        for t in range(x.size(1)):
            h = self.cell(x[:, t], h)
            outputs.append(self.head(h))
        return torch.stack(outputs, dim=1), h
