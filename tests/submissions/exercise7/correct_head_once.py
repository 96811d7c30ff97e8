# expect: pass
import torch
import torch.nn.functional as F
from torch import nn


class UnrolledRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.cell = nn.RNNCell(input_size, hidden_size)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x, h0=None):
        h = h0
        states = []
        for x_t in x.unbind(1):
            h = self.cell(x_t, h)   # RNNCell starts from zeros itself when h is None
            states.append(h)
        return self.head(torch.stack(states, 1)), h
