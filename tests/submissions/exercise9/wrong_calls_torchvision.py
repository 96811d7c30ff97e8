# expect: fail api torchvision.models.resnet.BasicBlock
import torch
import torch.nn.functional as F
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

    def forward(self, x):
        from torchvision.models.resnet import BasicBlock as Reference
        block = Reference(self.conv1.in_channels, self.conv1.out_channels, self.stride, self.downsample)
        block.load_state_dict(self.state_dict(), strict=False)
        return block.eval()(x) if not self.training else block(x)
