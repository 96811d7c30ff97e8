# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Tries to replace the file its results go to (found through its descriptor) by a FIFO, a link to
# a private file, a link loop, and to plant result files of its own next to it: reading any of them
# naively would block the grader forever or leak the file. The job's folder is not the learner's to
# change (root: another uid; otherwise hidden by the private mounts or Landlock), so every attempt
# fails; the parent would refuse them anyway (tests/test_frames.py). Prints LEAKED for each success.
import gc
import os

import torch
from torch import nn


def plant():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Frames":
            path = os.readlink(f"/proc/self/fd/{obj.fd}")
            folder = os.path.dirname(path)
            for name, make in (("results.bin", lambda p: (os.unlink(p), os.mkfifo(p))),
                               ("results.bin", lambda p: (os.unlink(p), os.symlink("/etc/shadow", p))),
                               ("frame-0001.pt", lambda p: os.symlink(p, p)),
                               ("results.bin.tmp", lambda p: open(p, "w").close())):
                try:
                    make(os.path.join(folder, name))
                    print(f"LEAKED planted {name}")
                except OSError:
                    pass
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
        return self.fc2(self.fc1(self.flatten(x)))
