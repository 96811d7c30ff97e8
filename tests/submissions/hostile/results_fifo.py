# expect: fail load result
# exercise: exercise2
# Plants a FIFO, a symlink to a private file and a link loop among its result files: reading any
# of them naively would block the grader forever or leak the file.
import gc
import os
import torch
from torch import nn


def plant():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Frames":
            folder = str(obj.dir)
            os.mkfifo(os.path.join(folder, "frame-0000.pt"))
            os.symlink("/etc/shadow", os.path.join(folder, "frame-9998.pt"))
            os.symlink("frame-9999.pt", os.path.join(folder, "frame-9999.pt"))
            return


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        plant()
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
