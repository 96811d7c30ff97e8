"""Exercise 4 — DeepMLP: three linear layers with an activation chosen by name.

Task: turn x of shape [B, in_features] into an output of shape [B, out_features]:
fc1 (in_features -> hidden), activation, fc2 (hidden -> hidden), activation, fc3 (hidden -> out_features).
The activation is whatever __init__ stored in self.act (ReLU, tanh or GELU, picked by the
`activation` argument): use self.act, don't hard-code one. No activation after fc3.

Check it with:  grader check exercise4
"""

import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}


class DeepMLP(nn.Module):
    def __init__(self, in_features: int, hidden: int, out_features: int, activation: str = "relu"):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, out_features)
        self.act = ACTIVATIONS[activation]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, in_features] -> [B, out_features]."""
        raise NotImplementedError("write forward: fc1, self.act, fc2, self.act, fc3")
