# expect: fail values output differs
# exercise: exercise2
# Reads the course pack's own solution (and spec) by path, with open(), io.open, os.open and
# torch/numpy file readers, through a relative path and a symlink, and runs the solution's forward
# as its own. The pack's specs and solutions are out of reach of the child. Prints LEAKED for each
# read that works.
import io
import os
import tempfile
from pathlib import Path

import torch
from torch import nn

import grader

ROOT = Path(grader.__file__).resolve().parent.parent
SOLUTION = ROOT / "content" / "solutions" / "exercise2.py"
SOURCE = None


def attempts():
    yield "open", lambda: open(SOLUTION).read()
    yield "io.open", lambda: io.open(str(SOLUTION), encoding="utf-8").read()
    yield "os.open", lambda: os.read(os.open(SOLUTION, os.O_RDONLY), 1 << 20).decode()
    yield "relative", lambda: open(os.path.relpath(SOLUTION)).read()
    link = Path(tempfile.mkdtemp()) / "link"
    yield "symlink", lambda: (link.symlink_to(SOLUTION.parent), open(link / SOLUTION.name).read())[1]
    yield "listdir", lambda: "\n".join(os.listdir(SOLUTION.parent))
    yield "spec", lambda: (ROOT / "content" / "specs" / "exercise2.py").read_text()


for how, read in attempts():
    try:
        text = read()
    except Exception:  # noqa: BLE001
        continue
    print(f"LEAKED {how}")
    if "class DigitClassifier" in text:
        SOURCE = text


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        if SOURCE is not None:  # the pack's solution's forward, run on this model
            scope = {}
            exec(SOURCE, scope)
            return scope["DigitClassifier"].forward(self, x)
        return torch.zeros(x.shape[0], 10, dtype=x.dtype)
