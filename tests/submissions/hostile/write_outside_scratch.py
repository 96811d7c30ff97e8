# expect: fail values output differs
# exercise: exercise2
# needs: confinement
# Tries to write where the grader keeps its state: the progress store (marking every exercise
# passed), the workspace next to its file, the repository, the grader's own package, /tmp (allowed,
# and cleaned up). Prints LEAKED for every write outside /tmp that works.
import glob
import os
import sqlite3
import sys
import time
import torch
from torch import nn


def attack():
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.environ.get("FORWARDLAB_DATA_DIR", "")
    targets = [os.path.join(here, "exercise2.py"), os.path.join(here, "..", "..", "..", "forwardlab-hostile.txt")]
    grader = sys.modules.get("grader")  # the package the child's runner came from
    if grader is not None and getattr(grader, "__file__", None):
        judging = os.path.join(os.path.dirname(grader.__file__), "judging")
        try:
            targets += glob.glob(os.path.join(judging, "*.py"))
        except OSError:  # out of reach, listing included: try a name it may know
            targets.append(os.path.join(judging, "compare.py"))
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
