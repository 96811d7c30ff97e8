"""Modules the grader passes to a learner's constructor, and the weights it grades them with.

A constructor argument that is a module travels in the child's plan as
{"__build__": "grader.builders:FUNCTION", "args": [...]} and is built there (grader.child.materialize):
this module imports only torch, so the child stays lean.
"""

from __future__ import annotations

import torch
from torch import nn


def downsample(inplanes: int, planes: int, stride: int) -> nn.Sequential:
    """A ResNet shortcut: 1x1 convolution with `stride`, no bias, then BatchNorm2d (as torchvision builds it)."""
    return nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))


def spread_batchnorm(module: nn.Module) -> nn.Module:
    """Give every BatchNorm in `module` random affine weights and running statistics (global RNG).

    Fresh BatchNorm is the identity in eval mode (mean 0, variance 1, weight 1, bias 0), which would
    hide a skipped or misplaced BatchNorm; graded weights must make every layer count.
    """
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.3)
                m.running_mean.normal_(0.0, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(10)
    return module
