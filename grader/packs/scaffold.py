"""`grader new exercise ID [--dir DIR]`: a new exercise in a course pack, as a working example.

Writes the four files of an exercise (see grader.course.registry) from the templates beside this
module: a residual block whose solution passes, whose stub is not-started and whose three mistakes
are recognised, so that `grader pack test DIR` passes as generated and the instructor edits from
something that works. Never overwrites a file; imports no torch.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from grader.course.registry import EXERCISE_ID, ID_RULE, catalog
from grader.errors import UsageError

TEMPLATES = Path(__file__).parent / "templates"
# template -> where it goes in the pack, for an exercise `{id}`
FILES = {"spec.py.tmpl": "specs/{id}.py", "exercise.yaml.tmpl": "exercises/{id}.yaml",
         "stub.py.tmpl": "exercises/{id}.py", "solution.py.tmpl": "solutions/{id}.py"}


def class_name(exercise_id: str) -> str:
    """'kv_cache' -> 'KvCache': the learner's class in the example."""
    return "".join(part.capitalize() for part in exercise_id.split("_") if part)


def new_exercise(exercise_id: str, directory: Path) -> list[Path]:
    """Write exercise `exercise_id` into the pack at `directory` (created if need be); the files written.

    UsageError, before anything is written, for an id that is not valid, one another pack already
    declares, or a file that already exists."""
    if not EXERCISE_ID.fullmatch(exercise_id):
        raise UsageError(f"{exercise_id!r} is not a valid exercise id: {ID_RULE}")
    pack = Path(directory)
    if pack.exists() and not pack.is_dir():
        raise UsageError(f"{pack} exists and is not a folder")
    declared = catalog().specs.get(exercise_id)
    if declared is not None and declared.parent.parent.resolve() != pack.resolve():
        raise UsageError(f"exercise id {exercise_id!r} is already declared in {declared}: pick another id "
                         "(two packs may not declare the same one)")
    targets = {template: pack / path.format(id=exercise_id) for template, path in FILES.items()}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing:
        raise UsageError(f"not overwriting {', '.join(existing)}: pick another id, or remove "
                         f"{'it' if len(existing) == 1 else 'them'} first")
    names = {"id": exercise_id, "class_name": class_name(exercise_id)}
    for template, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(names),
                          encoding="utf-8")
    return list(targets.values())
