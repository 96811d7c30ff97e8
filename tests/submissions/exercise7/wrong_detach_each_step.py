# expect: fail grad no gradient reaches the input h0
import torch
import torch.nn.functional as F
from torch import nn


class UnrolledRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.cell = nn.RNNCell(input_size, hidden_size)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x, h0=None):
        h = x.new_zeros(x.size(0), self.cell.hidden_size) if h0 is None else h0
        outs = []
        for t in range(x.size(1)):
            h = self.cell(x[:, t], h.detach())
            outs.append(self.head(h))
        return torch.stack(outs, 1), h
