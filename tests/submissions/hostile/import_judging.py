# expect: fail values output differs
# exercise: exercise2
# Imports the grader's judging side (the exercise registry, the specs, the standard checks) to build
# the reference itself and answer with its output. The child holds only its runner: every import of
# grader.judging, grader.course or the content pack fails. Prints LEAKED for each one that works.
import torch
from torch import nn

REFERENCE = None
for name in ("grader.course.registry", "grader.judging.standard", "grader.judging.spec", "grader.judging.prepare",
             "grader.grading", "grader.api", "forwardlab_content", "forwardlab_content.specs"):
    try:
        module = __import__(name, fromlist=["_"])
    except Exception:  # noqa: BLE001
        continue
    print(f"LEAKED import {name}")
    if name == "grader.course.registry":
        try:
            exercise = module.load("exercise2")
            torch.manual_seed(0)
            REFERENCE = exercise.reference(exercise.configs[0])
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
        if REFERENCE is not None:
            return REFERENCE(x)
        return torch.zeros(x.shape[0], 10, dtype=x.dtype)
