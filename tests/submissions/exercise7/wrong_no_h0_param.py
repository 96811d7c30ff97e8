# expect: fail api unexpected keyword argument
import torch
import torch.nn.functional as F
from torch import nn


class UnrolledRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.cell = nn.RNNCell(input_size, hidden_size)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x, h=None):
        return self._run(x, h)

    def _run(self, x, h):
        h = x.new_zeros(x.size(0), self.cell.hidden_size) if h is None else h
        outputs = []
        for t in range(x.size(1)):
            h = self.cell(x[:, t], h)
            outputs.append(self.head(h))
        return torch.stack(outputs, dim=1), h
