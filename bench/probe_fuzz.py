"""Verdicts under many secrets: every file of tests/submissions, each exercise's solution and (with
--mutants) every mutant of it graded with the probes of several secrets, to show that no verdict depends
on the draw (no false pass, no false fail, the first failure always in the declared category; a mutant
fails in a category it targets, an equivalent one passes).

Each secret prepares every exercise afresh (inputs, batch sizes, seeds, gradient probes) and grades
all files in one batch per exercise on two warm workers. Prints, per secret, the files whose verdict
differs from their `# expect:` line, then a summary.

    python bench/probe_fuzz.py [--secrets 5] [--first 0] [--mutants] [--exercise exercise3 ...]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"
EXPECT = re.compile(r"^# expect: (pass|not-started|fail (\S+) (.+))$", re.M)


def expectation(path: Path) -> tuple[str, tuple[str, ...]]:
    """(status, the categories the first failure may be in) from the file's `# expect:` line."""
    match = EXPECT.search(path.read_text())
    if not match:
        return "pass", ()  # a solution
    return ("fail", (match.group(2),)) if match.group(2) else (match.group(1), ())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secrets", type=int, default=5)
    parser.add_argument("--first", type=int, default=0, help="the first secret (secrets are first, first+1, ...)")
    parser.add_argument("--exercise", nargs="*", default=None)
    parser.add_argument("--mutants", action="store_true", help="grade the solution's mutants too")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from grader.course.registry import exercise_ids, load
    from grader.grading import Grader
    from grader.judging.mutants import mutants
    from grader.judging.prepare import Secret

    exercises = args.exercise or exercise_ids()
    wrong, graded = [], 0
    start = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="probe-fuzz-"))
    expected: dict[Path, tuple[str, tuple[str, ...]]] = {}
    for exercise in exercises if args.mutants else ():
        equivalent = load(exercise).equivalent_mutants
        for i, mutant in enumerate(mutants(exercise)):
            path = scratch / exercise / f"mutant{i}_{mutant.name.replace('/', '_')}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(mutant.source, encoding="utf-8")
            expected[path] = ("pass", ()) if mutant.name in equivalent else ("fail", mutant.targets)
    for value in range(args.first, args.first + args.secrets):
        with Grader(jobs=2, secret=Secret(value)) as grader:
            for exercise in exercises:
                solution = ROOT / "content" / "solutions" / f"{exercise}.py"
                files = [*sorted((SUBMISSIONS / exercise).glob("*.py")), solution,
                         *sorted((scratch / exercise).glob("*.py"))]
                for path, report in zip(files, grader.check(exercise, files), strict=True):
                    graded += 1
                    status, categories = expected.get(path) or expectation(path)
                    category = " or ".join(categories)
                    first = report.first_failure
                    if report.status != status or (categories and (first is None or first.category not in categories)):
                        got = f"{report.status} {first.id if first else ''}: {first.message[:300] if first else ''}"
                        wrong.append(f"secret {value} {exercise}/{path.name}: expected {status} {category}, "
                                     f"got {got}")
                        print(wrong[-1], flush=True)
        print(f"secret {value}: done ({graded} verdicts so far, {len(wrong)} wrong)", flush=True)
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"{graded} verdicts over {args.secrets} secrets in {time.perf_counter() - start:.0f} s: "
          f"{len(wrong)} differ from their expectation")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
