# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Leaves trees made to resist removal in its scratch folder and in /dev/shm: folders without any
# permission (nested, with files in them), a read-only folder full of files, links to /etc and to
# the folder above, names with a newline and with bytes that are not UTF-8. Cleaning up must remove
# all of it without following a link or giving up on the rest.
import os

import torch
from torch import nn


def resist(top):
    try:
        os.makedirs(os.path.join(top, "a", "b", "c"))
        for folder in ("a", "a/b", "a/b/c"):
            open(os.path.join(top, folder, "file"), "w").close()
        os.symlink("/etc", os.path.join(top, "a", "etc"))
        os.symlink("..", os.path.join(top, "a", "up"))
        open(os.path.join(top, "name\nwith newline"), "w").close()
        open(os.path.join(top.encode(), b"not-utf8-\xff\xfe"), "w").close()
        for folder in ("a/b/c", "a/b", "a"):
            os.chmod(os.path.join(top, folder), 0)
        os.makedirs(os.path.join(top, "read-only"))
        for i in range(100):
            open(os.path.join(top, "read-only", str(i)), "w").close()
        os.chmod(os.path.join(top, "read-only"), 0o500)
    except OSError:
        pass


resist("resist")
resist("/dev/shm/forwardlab-hostile-resist")

class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.fc1(self.flatten(x)))
