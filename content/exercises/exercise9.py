"""Exercise 9 — BasicBlock: the residual block of ResNet-18 and ResNet-34.

Task: x of shape [B, inplanes, H, W] -> [B, planes, H / stride, W / stride]:
out = conv1 -> bn1 -> ReLU          (conv1 applies the stride)
out = conv2 -> bn2
shortcut = x, or self.downsample(x) when downsample is not None (it matches the shapes)
return ReLU(out + shortcut)
Calling torchvision.models.resnet.BasicBlock is not allowed: write it from the layers below.
self.relu works in place (inplace=True): use it on intermediate results, never on x itself.

Check it with:  grader check exercise9
"""

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, inplanes, H, W] -> [B, planes, H / stride, W / stride]."""
        raise NotImplementedError("write forward: conv1, bn1, ReLU, conv2, bn2, add the shortcut, ReLU")
