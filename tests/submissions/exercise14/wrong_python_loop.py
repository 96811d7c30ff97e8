# expect: fail export data-dependent control flow
import torch
import torch.nn.functional as F
from torch import nn


class GatedResidual(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gate = nn.Linear(dim, 1)
        self.body = nn.Linear(dim, dim)

    def forward(self, x):
        g = self.gate(x)
        rows = []
        for i in range(x.shape[0]):
            if g[i] > 0:
                rows.append(x[i] + self.body(x[i]))
            else:
                rows.append(x[i])
        return torch.stack(rows)
