# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Moves to / and to the folder of its own file, writing relative files in each.
import os
import torch
from torch import nn



class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        for folder in ("/", os.path.dirname(os.path.abspath(__file__)), "/tmp"):
            try:
                os.chdir(folder)
                with open("forwardlab-hostile-chdir.txt", "w") as f:
                    f.write("here")
                if folder != "/tmp":
                    print(f"LEAKED wrote into {folder}")
            except OSError:
                pass
        return self.fc2(self.fc1(self.flatten(x)))
