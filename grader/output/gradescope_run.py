#!/usr/bin/env python3
"""Gradescope's `run_autograder` for Forward Lab: `grader gradescope build` copies this file, as it
is, into the bundle. It imports nothing but the standard library, so that it can always write a
results.json, whatever happened to the installation or the submission.

For each exercise in source/autograder.json it finds `ID.py` in the submission (at any depth:
students upload files, folders or repositories), grades it with
`python -m grader check ID FILE --format gradescope` (with the bundle's course packs, if any, on
FORWARDLAB_CONTENT_PATH), and merges the results into
results/results.json: the tests of every exercise, the sum of their scores. A missing file scores 0
of the exercise's points; a grader that crashes or hangs gives a failed test saying so (with the
details on stdout, which only the instructor sees), never a missing results.json.

Paths default to Gradescope's; FORWARDLAB_AUTOGRADER_ROOT moves them all (to try a bundle locally),
FORWARDLAB_PYTHON names the interpreter that has Forward Lab (default: the venv setup.sh made).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

ROOT = Path(os.environ.get("FORWARDLAB_AUTOGRADER_ROOT", "/autograder"))
SKIP_DIRS = {"__MACOSX", "__pycache__", ".git", ".venv", "venv", "node_modules"}


def python() -> str:
    venv = ROOT / "venv" / "bin" / "python"
    return os.environ.get("FORWARDLAB_PYTHON") or (str(venv) if venv.exists() else sys.executable)


def find_submission(exercise: str) -> list[Path]:
    """Every `exercise.py` under submission/, shallowest first (outside hidden and tool folders)."""
    found = [p for p in (ROOT / "submission").rglob(f"{exercise}.py")
             if p.is_file() and not any(part in SKIP_DIRS or part.startswith(".")
                                        for part in p.relative_to(ROOT / "submission").parts[:-1])]
    return sorted(found, key=lambda p: (len(p.parts), str(p)))


def failed_part(exercise: dict, name: str, message: str) -> dict:
    """The whole exercise as one failed test worth all its points."""
    return {"score": 0, "execution_time": 0, "output": f"{exercise['id']}: {message}",
            "tests": [{"name": f"{exercise['id']} {name}", "score": 0, "max_score": exercise["max_score"],
                       "status": "failed", "output": message, "visibility": "visible"}]}


def grade(exercise: dict, config: dict, work: Path) -> dict:
    files = find_submission(exercise["id"])
    if not files:
        return failed_part(exercise, "submitted", f"no file named {exercise['id']}.py in your submission: "
                           "upload it with exactly that name")
    out = work / f"{exercise['id']}.json"
    cmd = [python(), "-m", "grader", "check", exercise["id"], str(files[0]), "--format", "gradescope",
           "--output", str(out), *config.get("check_args", [])]
    env = {**os.environ, "FORWARDLAB_DATA_DIR": str(work / "data"), "FORWARDLAB_CACHE_DIR": str(work / "cache")}
    if config.get("packs"):  # exercises of course packs: the bundle carries their specs
        env["FORWARDLAB_CONTENT_PATH"] = os.pathsep.join(str(ROOT / "source" / p) for p in config["packs"])
    try:
        done = subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True,
                              timeout=config.get("timeout_s", 600))
    except subprocess.TimeoutExpired:
        print(f"{exercise['id']}: grader timed out: {' '.join(cmd)}")
        return failed_part(exercise, "graded", "grading took too long and was stopped; your instructor can see why")
    if done.returncode not in (0, 1) or not out.exists():
        print(f"{exercise['id']}: grader exited {done.returncode}: {' '.join(cmd)}\n{done.stderr[-4000:]}")
        return failed_part(exercise, "graded", "the grader could not grade this file (an internal error, "
                           "not your mistake); your instructor has the details")
    part = json.loads(out.read_text())
    if len(files) > 1:
        part["output"] += f"\n(graded {files[0].relative_to(ROOT / 'submission')}; other copies ignored)"
    return part


def merge(parts: list[dict]) -> dict:
    return {"score": round(sum(p["score"] for p in parts), 4),
            "execution_time": round(sum(p.get("execution_time", 0) for p in parts), 3),
            "output": "\n\n".join(p["output"] for p in parts if p.get("output")),
            "stdout_visibility": "hidden",
            "tests": [t for p in parts for t in p["tests"]]}


def write(results: dict) -> None:
    target = ROOT / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2))
    tmp.replace(target)


def main() -> int:
    try:
        config = json.loads((ROOT / "source" / "autograder.json").read_text())
        with tempfile.TemporaryDirectory(prefix="forwardlab-") as work:
            results = merge([grade(exercise, config, Path(work)) for exercise in config["exercises"]])
    except BaseException:  # noqa: BLE001 - Gradescope must always get a results.json
        traceback.print_exc()
        results = {"score": 0, "stdout_visibility": "hidden", "tests": [],
                   "output": "The autograder itself failed (not your code); your instructor has the details."}
    write(results)
    for test in results["tests"]:
        print(f"{test.get('status', ''):>6}  {test.get('score')}/{test.get('max_score')}  {test.get('name')}")
    print(f"score: {results['score']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
