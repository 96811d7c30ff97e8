# expect: fail load result
# exercise: exercise2
# Finds the folder its results go to and removes every frame written so far, then returns a
# correct answer: the grader must notice that results went missing.
import gc
import os
import torch
from torch import nn


def results_folder():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Frames":
            return str(obj.dir)
    return None


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        folder = results_folder()
        for name in os.listdir(folder) if folder else []:
            os.unlink(os.path.join(folder, name))
        return self.fc2(self.relu(self.fc1(self.flatten(x))))
