# expect: fail values output differs
# exercise: exercise2
# Removes every meta path finder it does not know, clears the import caches, then imports the spec
# of exercise2 by name through importlib and by file location: the audit hook, which no code can
# remove, still refuses both. Prints LEAKED for each route that works.
import importlib
import importlib.util
import sys
from pathlib import Path

import torch
from torch import nn

import grader

sys.meta_path[:] = [f for f in sys.meta_path if type(f).__module__.startswith(("_frozen_importlib", "importlib"))]
sys.path_importer_cache.clear()
importlib.invalidate_caches()
FOUND = []
for name in ("grader.judging.spec", "grader.course.registry"):
    try:
        importlib.import_module(name)
        print(f"LEAKED importlib {name}")
    except Exception:  # noqa: BLE001
        pass
root = Path(grader.__file__).resolve().parent.parent
for path in (root / "content" / "specs" / "exercise2.py", root / "grader" / "judging" / "spec.py"):
    try:
        spec = importlib.util.spec_from_file_location(f"stolen_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"LEAKED file {path}")
        FOUND.append(module)
    except Exception:  # noqa: BLE001
        pass


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return torch.zeros(x.shape[0], 10, dtype=x.dtype)
