"""`grader classroom`: a GitHub Actions workflow that autogrades Forward Lab exercises in GitHub Classroom.

The workflow (.github/workflows/classroom.yml in the assignment's template repository) installs
CPU-only torch and Forward Lab, then runs one GitHub Classroom command-grader step per exercise:
`grader check exerciseN exercises/exerciseN.py`, worth the exercise's points when every check
passes (the command grader scores all or nothing). A JUnit report of every exercise is kept as a
build artifact, and the Classroom reporter sends the scores back.

An exercise of a course pack needs its spec, YAML and stub where the workflow runs: they are copied
into the repository under .forwardlab/packs/N-NAME (never a solution), which the workflow puts on
FORWARDLAB_CONTENT_PATH. As with the built-in exercises, whose references ship in the installed
package, a student who reads the repository can read the spec: Classroom grades in the student's own
repository, so use Gradescope (`grader gradescope build`) where references must stay private.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import yaml

from grader.errors import UsageError
from grader.output.gradescope import bundled_packs, max_score, torch_requirement

WORKFLOW = Path(".github") / "workflows" / "classroom.yml"
PACKS = Path(".forwardlab")  # in the repository: the course packs' files the exercises need


def workflow(exercises: list[str], install: str, packs: Sequence[str] = ()) -> dict:
    """The workflow as data: one graded step per exercise (`exercises` are resolved ids); `packs` are
    the folders, relative to the repository, that hold the course packs' exercises."""
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
    job: dict = {"runs-on": "ubuntu-latest", "if": "github.actor != 'github-classroom[bot]'"}
    if packs:
        job["env"] = {"FORWARDLAB_CONTENT_PATH": ":".join(f"${{{{ github.workspace }}}}/{p}" for p in packs)}
    return {"name": "Forward Lab autograding", "on": ["push", "workflow_dispatch", "repository_dispatch"],
            "permissions": {"checks": "write", "actions": "read", "contents": "read"},
            "jobs": {"autograding": {**job, "steps": steps}}}


def write_workflow(directory: Path, exercises: list[str], install: str, force: bool = False) -> tuple[Path, list[Path]]:
    """Write the workflow and copy the course packs' files it needs; (the workflow, the copied files)."""
    target = directory / WORKFLOW
    if target.exists() and not force:
        raise UsageError(f"{target} exists; pass --force to replace it")
    packs = {(PACKS / name).as_posix(): files for name, files in bundled_packs(exercises).items()}
    copied = []
    for folder, files in packs.items():
        shutil.rmtree(directory / folder, ignore_errors=True)  # no file of an earlier run left behind
        for inside, source in files.items():
            copied.append(directory / folder / inside)
            copied[-1].parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copied[-1])
    target.parent.mkdir(parents=True, exist_ok=True)
    header = "# Written by `grader classroom`: GitHub Classroom autograding for Forward Lab.\n"
    target.write_text(header + yaml.dump(workflow(exercises, install, list(packs)), Dumper=_Dumper,
                                         sort_keys=False, width=120))
    return target, copied


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the shell steps) as literal blocks, as a person writes them."""


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))
