# expect: fail hooks once per sample
import torch
import torch.nn.functional as F
from torch import nn


class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        outputs = []
        for image in x:  # seed pitfall: one sample at a time instead of the whole batch
            h = self.pool(F.relu(self.conv1(image[None])))
            h = self.pool(F.relu(self.conv2(h)))
            outputs.append(self.fc(h.flatten(1)))
        return torch.cat(outputs)
