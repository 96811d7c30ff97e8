"""Exercise 10 — SqueezeExcitation: channel attention, as in MobileNetV3 and EfficientNet.

Task: x of shape [B, C, H, W] -> [B, C, H, W]:
squeeze: avgpool                      ([B, C, 1, 1], one mean per channel)
excite:  fc1 -> ReLU -> fc2 -> sigmoid ([B, squeeze, 1, 1], then [B, C, 1, 1]: a scale in (0, 1))
return x * scale                      (each channel of x multiplied by its scale)
Calling torchvision.ops.SqueezeExcitation is not allowed: write it from the layers below.

Check it with:  grader check exercise10
"""

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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, C, H, W] -> [B, C, H, W]."""
        raise NotImplementedError("write forward: avgpool, fc1, ReLU, fc2, sigmoid, then x * scale")
