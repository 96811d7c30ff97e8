"""A correct solution of exercise4 (the pack's self-test grades it: it must pass every check)."""
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}


class DeepMLP(nn.Module):
    def __init__(self, in_features: int, hidden: int, out_features: int, activation: str = "relu"):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, out_features)
        self.act = ACTIVATIONS[activation]()

    def forward(self, x):
        x = self.act(self.fc1(x))
        x = self.act(self.fc2(x))
        return self.fc3(x)
