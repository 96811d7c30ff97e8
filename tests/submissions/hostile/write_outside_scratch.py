# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Tries to write where the grader keeps its state: the reference cache, the progress store (marking
# every exercise passed), the workspace next to its file, the repository, /tmp (allowed, and
# cleaned up). Prints LEAKED for every write outside /tmp that works.
import glob
import os
import sqlite3
import time
import torch
from torch import nn


def attack():
    here = os.path.dirname(os.path.abspath(__file__))
    cache, data = os.environ.get("FORWARDLAB_CACHE_DIR", ""), os.environ.get("FORWARDLAB_DATA_DIR", "")
    targets = [os.path.join(here, "exercise2.py"), os.path.join(here, "..", "..", "..", "forwardlab-hostile.txt")]
    targets += [os.path.join(cache, "forwardlab-hostile.txt")] + glob.glob(os.path.join(cache, "*.pt"))
    for target in targets:
        try:
            with open(target, "a") as f:
                f.write("hostile")
            print(f"LEAKED wrote {target}")
        except OSError:
            pass
    try:
        db = sqlite3.connect(os.path.join(data, "progress.sqlite3"), timeout=1)
        db.execute("INSERT INTO checks(exercise, file, status, passed, total, duration_s, report, at)"
                   " VALUES ('exercise2', 'x', 'pass', 1, 1, 0, '{}', ?)", (time.time(),))
        db.commit()
        print("LEAKED progress store")
    except sqlite3.Error:
        pass
    try:  # where the kernel allows it, /tmp is the job's own; else the file is removed after the job, or refused
        with open("/tmp/forwardlab-hostile-left-behind.txt", "w") as f:
            f.write("left behind")
    except OSError:
        pass


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        attack()
        return self.fc2(self.fc1(self.flatten(x)))
