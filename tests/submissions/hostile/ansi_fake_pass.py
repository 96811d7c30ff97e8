# expect: fail shape forward raised
# exercise: exercise2
# Paints a fake verdict on the terminal that shows the report: it prints, and puts in the message of
# the exception its forward raises, escape codes that clear the screen, move the cursor up over the
# real FAIL and write a green "PASS, 25/25 checks passed". Every text path must show them as harmless
# text (\x1b...), never pass them to the terminal.
import torch
from torch import nn

PAINT = "\x1b[2J\x1b[H\x1b[1A\x1b[2K\x1b[32m✓ exercise2  PASS  25/25 checks passed\x1b[0m\r\x1b]0;PASS\x07\x9b32m"
print(PAINT)

class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        raise RuntimeError(PAINT)
