# expect: fail values output differs
# exercise: exercise2
# needs: root
# Reads the pack's spec and solution from another process (cat), where no Python audit hook reaches:
# as root the child lives in a mount namespace of its own, where those folders are empty. Prints
# LEAKED when a read works.
import subprocess
from pathlib import Path

import torch
from torch import nn

import grader

ROOT = Path(grader.__file__).resolve().parent.parent
for path in (ROOT / "content" / "solutions" / "exercise2.py", ROOT / "content" / "specs" / "exercise2.py",
             ROOT / "grader" / "judging" / "spec.py"):
    result = subprocess.run(["cat", str(path)], capture_output=True, text=True)
    if result.returncode == 0 and result.stdout:
        print(f"LEAKED {path.name}")


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return torch.zeros(x.shape[0], 10, dtype=x.dtype)
