# expect: pass
import torch
import torch.nn.functional as F
from torch import nn


class SqueezeExcitation(nn.Module):
    def __init__(self, input_channels, squeeze_channels):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = nn.ReLU()
        self.scale_activation = nn.Sigmoid()

    def forward(self, x):
        b, c = x.shape[:2]
        s = self.fc2(torch.relu(self.fc1(F.adaptive_avg_pool2d(x, 1))))
        return x * s.sigmoid().view(b, c, 1, 1).expand_as(x)
