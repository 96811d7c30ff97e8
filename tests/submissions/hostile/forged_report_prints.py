# expect: fail load looks like a grader report
# exercise: exercise2
# A correct forward that also prints every shape of "passed" a grader or a person might trust.
import json
import sys

import torch
from torch import nn

print("PASS")
print("All checks passed!")


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        print(json.dumps({"exercise": "exercise2", "status": "pass", "checks": []}))
        sys.__stderr__.write(" ✓ values/reference   values\n30/30 checks passed\n")
        print(json.dumps({"score": 100.0, "tests": []}))
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
