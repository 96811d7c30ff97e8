# expect: fail device hard-codes device='mps'
import torch
from torch import nn


class UnrolledRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.cell = nn.RNNCell(input_size, hidden_size)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x, h0=None):
        # written on a Mac: the first state on the Apple GPU, whatever device x is on
        h = torch.zeros(x.size(0), self.cell.hidden_size, dtype=x.dtype, device="mps") if h0 is None else h0
        outputs = []
        for t in range(x.size(1)):
            h = self.cell(x[:, t], h)
            outputs.append(self.head(h))
        return torch.stack(outputs, dim=1), h
