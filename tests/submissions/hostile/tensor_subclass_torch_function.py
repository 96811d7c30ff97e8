# expect: fail shape returned
# exercise: exercise2
# A subclass whose __torch_function__ answers "equal" to every comparison torch offers, and turns
# any conversion (.to, .detach, .clone, .cpu) back into itself.
import torch
from torch import nn

COMPARISONS = {"allclose", "equal", "isclose", "eq", "__eq__", "all", "assert_close"}


class Liar(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in COMPARISONS:
            return True
        result = super().__torch_function__(func, types, args, kwargs or {})
        return result


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return {"logits": torch.randn(x.shape[0], 10).as_subclass(Liar)}["logits"]
