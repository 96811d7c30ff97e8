# expect: fail shape self.cell takes (input, hidden)
# Calls the cell with the hidden state first and the input second.
import torch
from torch import nn


class UnrolledRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.cell = nn.RNNCell(input_size, hidden_size)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x, h0=None):
        h = h0 if h0 is not None else x.new_zeros(x.size(0), self.cell.hidden_size)
        outputs = []
        for t in range(x.size(1)):
            h = self.cell(h, x[:, t])
            outputs.append(self.head(h))
        return torch.stack(outputs, dim=1), h
