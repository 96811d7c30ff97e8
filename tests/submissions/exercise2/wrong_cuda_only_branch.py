# expect: fail device differs
# Right on the CPU; on a GPU it takes a "faster" path that skips the ReLU.
from torch import nn


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        h = self.fc1(self.flatten(x))
        if not x.is_cuda:
            h = self.relu(h)
        return self.fc2(h)
