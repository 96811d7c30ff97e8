"""`grader classroom`: a GitHub Actions workflow that autogrades Forward Lab exercises in GitHub Classroom.

The workflow (.github/workflows/classroom.yml in the assignment's template repository) installs
CPU-only torch and Forward Lab, then runs one GitHub Classroom command-grader step per exercise:
`grader check exerciseN exercises/exerciseN.py`, worth the exercise's points when every check
passes (the command grader scores all or nothing). A JUnit report of every exercise is kept as a
build artifact, and the Classroom reporter sends the scores back.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from grader.errors import UsageError
from grader.output.gradescope import max_score, torch_requirement

WORKFLOW = Path(".github") / "workflows" / "classroom.yml"


def workflow(exercises: list[str], install: str) -> dict:
    """The workflow as data: one graded step per exercise (`exercises` are resolved ids)."""
    steps: list[dict] = [
        {"uses": "actions/checkout@v4"},
        {"uses": "actions/setup-python@v5", "with": {"python-version": "3.12"}},
        {"name": "Install Forward Lab", "run": f"python -m pip install {torch_requirement()} "
                                               "--index-url https://download.pytorch.org/whl/cpu\n"
                                               f"python -m pip install {install}\n"},
    ]
    for e in exercises:
        steps.append({"name": e, "id": e, "uses": "classroom-resources/autograding-command-grader@v1",
                      "with": {"test-name": e, "command": f"grader check {e} exercises/{e}.py",
                               "timeout": 10, "max-score": round(max_score(e))}})
    reports = "".join(f"grader check {e} exercises/{e}.py --format junit -o reports/{e}.xml || true\n"
                      for e in exercises)
    steps += [
        {"name": "JUnit reports", "if": "always()", "run": f"mkdir -p reports\n{reports}"},
        {"uses": "actions/upload-artifact@v4", "if": "always()",
         "with": {"name": "forwardlab-reports", "path": "reports/"}},
        {"name": "Autograding Reporter", "uses": "classroom-resources/autograding-grading-reporter@v1",
         "env": {f"{e.upper()}_RESULTS": f"${{{{steps.{e}.outputs.result}}}}" for e in exercises},
         "with": {"runners": ",".join(exercises)}},
    ]
    return {"name": "Forward Lab autograding", "on": ["push", "workflow_dispatch", "repository_dispatch"],
            "permissions": {"checks": "write", "actions": "read", "contents": "read"},
            "jobs": {"autograding": {"runs-on": "ubuntu-latest", "if": "github.actor != 'github-classroom[bot]'",
                                     "steps": steps}}}


def write_workflow(directory: Path, exercises: list[str], install: str, force: bool = False) -> Path:
    target = directory / WORKFLOW
    if target.exists() and not force:
        raise UsageError(f"{target} exists; pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    header = "# Written by `grader classroom`: GitHub Classroom autograding for Forward Lab.\n"
    target.write_text(header + yaml.dump(workflow(exercises, install), Dumper=_Dumper, sort_keys=False, width=120))
    return target


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the shell steps) as literal blocks, as a person writes them."""


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))
