# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# The disk cache of prepared references holds the reference's outputs for the grader's own inputs.
# Reading it would let forward look its input up and return the expected output: a pass without a
# forward. Prints LEAKED when it can read any of it.
import os
from pathlib import Path

import torch
from torch import nn

ANSWERS = []
for folder in (os.environ.get("FORWARDLAB_CACHE_DIR"), os.path.expanduser("~/.cache/forwardlab"), "/root/.cache/forwardlab"):
    if not folder:
        continue
    try:
        files = list(Path(folder).rglob("*.pt"))
    except OSError:
        continue
    for file in files:
        try:
            saved = torch.load(file, weights_only=True)
        except Exception:  # noqa: BLE001
            continue
        print(f"LEAKED {file}")
        if isinstance(saved, dict) and "reference" in saved:
            ANSWERS.append(saved["reference"])


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        for reference in ANSWERS:
            for observation in reference.values():
                out = observation.get("output")
                if isinstance(out, torch.Tensor) and out.shape == (x.shape[0], 10):
                    return out.to(x.dtype)
        return torch.zeros(x.shape[0], 10, dtype=x.dtype)
