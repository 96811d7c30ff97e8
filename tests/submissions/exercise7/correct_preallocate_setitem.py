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
        h = h0 if h0 is not None else torch.zeros(B, self.cell.hidden_size, device=x.device, dtype=x.dtype)
        out = torch.empty(B, T, self.head.out_features, device=x.device, dtype=x.dtype)
        for t in range(T):
            h = self.cell(x[:, t], h)
            out[:, t] = self.head(h)
        return out, h
