# expect: fail api torchvision.models.resnet.BasicBlock
import torchvision


class BasicBlock(torchvision.models.resnet.BasicBlock):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__(inplanes, planes, stride, downsample)
