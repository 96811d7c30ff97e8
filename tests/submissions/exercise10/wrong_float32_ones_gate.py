# expect: fail dtype bfloat16
# Multiplies by a float32 tensor of ones made on x's device but not in x's dtype: a bfloat16 input
# comes out float32.
import torch
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
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        keep = torch.ones(x.size(1), 1, 1, device=x.device)
        return x * scale * keep
