"""How many failing submissions get a message that names their mistake.

Grades every wrong submission of tests/submissions (one batch per exercise, two warm workers) and
sorts each report's first failure into:

- named: the message says what the mistake most likely is ("Most likely: ...", a named mistake of the
  exercise's table, a plain-words meaning of a raw error or of a wrong shape, evidence from other cases),
  or it comes from a check whose message is itself the mistake (load, api, purity, hooks, device,
  mode, export, time, batch triage, a gradient that does not reach, a wrong output dtype);
- unnamed: a values, shape, dtype or gradient mismatch, or a raw error, reported only as numbers, a
  location ("Where: ...") or the error text.

Prints the unnamed ones and the figure (goal: at least 90% named).

    python bench/mistake_coverage.py [--exercise exercise3 ...] [--also FOLDER]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"
GENERIC_CATEGORIES = ("values", "shape", "dtype", "grad")
SPECIFIC = ("Most likely:", "your output's dtype is", "no gradient reaches", "is not an nn.Parameter",
            "forward returned", "contains NaN or Inf", "forward uses", "forward changed", "forward added")


def named(category: str, message: str) -> bool:
    return category not in GENERIC_CATEGORIES or any(text in message for text in SPECIFIC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", nargs="*", default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from grader.course.registry import exercise_ids
    from grader.grading import Grader

    total, unnamed = 0, []
    with Grader(jobs=2) as grader:
        for exercise in args.exercise or exercise_ids():
            files = sorted((SUBMISSIONS / exercise).glob("wrong_*.py"))
            for path, report in zip(files, grader.check(exercise, files), strict=True):
                first = report.first_failure
                if first is None:
                    print(f"NOT FAILING {exercise}/{path.name}: {report.status}")
                    continue
                total += 1
                if not named(first.category, first.message):
                    unnamed.append(f"{exercise}/{path.name} [{first.id}]: {first.message[:240]!r}")
    for line in unnamed:
        print("unnamed:", line)
    print(f"{total - len(unnamed)} of {total} failing submissions ({(total - len(unnamed)) / max(total, 1):.1%}) get "
          "a message naming the mistake (goal: at least 90%)")


if __name__ == "__main__":
    main()
