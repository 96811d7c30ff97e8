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
        B, T, _ = x.shape
        h = h0 if h0 is not None else x.new_zeros(B, self.cell.hidden_size)
        hs = []
        t = 0
        while t < T:
            h = self.cell(x[:, t, :], h)
            hs.append(h)
            t += 1
        out = self.head(torch.cat([s.unsqueeze(1) for s in hs], dim=1))
        return (out, hs[-1])
