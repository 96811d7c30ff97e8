# expect: fail values output differs
# exercise: exercise2
# Every comparison a grader might use, patched to say "equal"; the output is plain zeros.
import torch
import torch.testing
from torch import nn

always = lambda *args, **kwargs: True  # noqa: E731
torch.testing.assert_close = lambda *args, **kwargs: None
torch.allclose = torch.equal = torch.isclose = always
torch.Tensor.__eq__ = torch.Tensor.allclose = torch.Tensor.equal = always
try:
    import grader.judging.compare

    grader.judging.compare.mismatch = lambda *args, **kwargs: None
    grader.judging.compare.close = always
except ImportError:
    pass


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.fc1(self.flatten(x))) * 0
