# expect: fail shape forward raised
# exercise: exercise2
# Crashed the text report (exit 3, the rest of a batch report cut): an exception message holding lone
# surrogates, output that is not UTF-8, a module named with a right-to-left override. The report must
# show them replaced, and the grader exit 0 or 1.
import os

import torch
from torch import nn

os.write(1, b"not utf-8: \xff\xfe\xed\xa0\x80\n")

class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        self.add_module("\u202eSSAP", nn.Identity())
        raise ValueError("lone surrogates: \ud800 \udfff \udcff")
