"""Modules the grader passes to a learner's constructor, built in the child.

A constructor argument that is a module travels in the child's plan as
{"__build__": "grader.isolation.constructors:FUNCTION", "args": [...]} and is built there
(grader.isolation.child.materialize). Imports only torch: the child stays lean.
"""

from __future__ import annotations

from torch import nn


def downsample(inplanes: int, planes: int, stride: int) -> nn.Sequential:
    """A ResNet shortcut: 1x1 convolution with `stride`, no bias, then BatchNorm2d (as torchvision builds it)."""
    return nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))
