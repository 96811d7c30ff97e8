"""Finding exercises: each content pack's `specs/ID.py` declares one, discovered without importing it.

A pack (the shipped course, or a folder in $FORWARDLAB_CONTENT_PATH) holds an exercise as four files
keyed by its id: `specs/ID.py` (the spec: `EXERCISE`, an instance of grader.authoring.Exercise),
`exercises/ID.yaml` (title, hints, limits, points), `exercises/ID.py` (the learner's stub) and
`solutions/ID.py` (a correct solution). Importing this module is cheap; `load` imports the spec
(and so torch).

Pack trouble never stops the rest of the course: an id declared by two packs, a pack refused as
unsafe (see grader.course.trust), a misnamed spec or a missing file is a problem (`problems()`),
and an error (PackError, `file:line: message`) only where that exercise is asked for.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import sys
import traceback
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from grader.course.trust import refusal
from grader.errors import PackError, UsageError

if TYPE_CHECKING:
    from grader.judging.spec import Exercise

EXERCISE_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
ID_RULE = "an exercise id is 1-40 lower-case letters, digits and _, starting with a letter (e.g. layernorm, kv_cache)"
NUMBERED = re.compile(r"exercise(\d+)")
BASE = ("grader.judging.spec", "Exercise")  # the class every spec's EXERCISE is an instance of


@dataclass(frozen=True)
class Catalog:
    """The exercises of every pack: `specs` (id -> spec file, curriculum order), `blocked` (id ->
    why it cannot be used: declared twice) and every problem found on the way, one line each."""

    specs: dict[str, Path] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def order(exercise_id: str) -> tuple[int, str]:
    """Sort key: the numbered exercises of the course first, then the packs' own ids by name."""
    n = number(exercise_id)
    return (n, "") if n is not None else (1 << 30, exercise_id)


def number(exercise_id: str) -> int | None:
    """3 for 'exercise3'; None for a pack's own id ('layernorm')."""
    numbered = NUMBERED.fullmatch(exercise_id)
    return int(numbered.group(1)) if numbered else None


def catalog() -> Catalog:
    """Scan every content pack (cheap: no spec is imported)."""
    from grader.course.content import content_dirs, default_content_dir

    builtin = default_content_dir().resolve()
    cat = Catalog()
    for pack in dict.fromkeys(d.resolve() for d in content_dirs()):  # a pack named twice is one pack
        if not pack.is_dir():
            cat.problems.append(f"{pack}: FORWARDLAB_CONTENT_PATH names this course pack, but it is not a folder")
            continue
        refused = refusal(pack) if pack != builtin and _as_root() else None
        if refused:
            cat.problems.append(refused)
            continue
        _scan(cat, pack)
    ordered = dict(sorted(cat.specs.items(), key=lambda item: order(item[0])))
    cat.specs.clear()
    cat.specs.update(ordered)
    return cat


def pack_problems(pack: Path) -> list[str]:
    """What is wrong with the exercise files of one pack on its own: misnamed specs, missing YAML or
    stubs (`grader content check DIR`; no spec is imported)."""
    cat = Catalog()
    _scan(cat, Path(pack).resolve())
    return cat.problems


def _scan(cat: Catalog, pack: Path) -> None:
    for spec in sorted((pack / "specs").glob("*.py")):
        _add(cat, spec)


def _add(cat: Catalog, spec: Path) -> None:
    exercise_id, pack = spec.stem, spec.parent.parent
    if exercise_id.startswith("_"):  # a helper module of the pack's specs, not an exercise
        return
    misnamed = name_problem(spec)
    if misnamed:
        cat.problems.append(misnamed)
        return
    if exercise_id in cat.blocked:  # a third declaration: the first two are named already
        return
    if exercise_id in cat.specs:
        first = cat.specs.pop(exercise_id)
        cat.blocked[exercise_id] = f"exercise id {exercise_id!r} is declared twice: in {first} and in {spec}; " \
                                   "rename one of them"
        cat.problems.append(cat.blocked[exercise_id])
        return
    cat.specs[exercise_id] = spec
    for path, what in ((pack / "exercises" / f"{exercise_id}.yaml", "its YAML (title, summary, hints)"),
                       (pack / "exercises" / f"{exercise_id}.py", "the learner's stub")):
        if not path.is_file():
            cat.problems.append(f"{path}: missing: exercise {exercise_id!r} needs {what} here, next to {spec}")


def name_problem(spec: Path) -> str | None:
    """Why `spec` (specs/NAME.py) cannot declare an exercise by its name, or None."""
    if EXERCISE_ID.fullmatch(spec.stem):
        return None
    return f"{spec}: {spec.stem!r} is not a valid file name for a spec: {ID_RULE}"


def _as_root() -> bool:
    geteuid = getattr(os, "geteuid", None)  # not on Windows, where there is no root to protect
    return geteuid is not None and geteuid() == 0


def spec_files() -> dict[str, Path]:
    """Every usable exercise id -> its spec file, over all content packs, in curriculum order."""
    return catalog().specs


def exercise_ids() -> list[str]:
    return list(spec_files())


def problems() -> list[str]:
    """What is wrong with the packs, one line each (empty when all is well)."""
    return catalog().problems


def pack_of(exercise_id: str) -> Path:
    """The content pack folder that holds the exercise."""
    return spec_files()[resolve(exercise_id)].parent.parent


def resolve(name: str) -> str:
    """'3', 'exercise3', 'Exercise3', 'ex3' -> 'exercise3'; a pack's own id as it is; else a UsageError
    that lists the valid ids (a PackError for an id two packs declare)."""
    cat = catalog()
    ids = list(cat.specs)
    text = str(name).strip().lower()
    match = re.fullmatch(r"(?:ex(?:ercise)?)?0*(\d+)", text)
    for candidate in (text, f"exercise{match.group(1)}" if match else None):
        if candidate in cat.blocked:
            raise PackError(cat.blocked[candidate])
        if candidate in cat.specs:
            return candidate
    numbered = [i for i in ids if NUMBERED.fullmatch(i)]
    unloaded = [p for p in cat.problems if p.startswith("refusing") or "not a folder" in p]
    raise UsageError(f"unknown exercise {name!r}; valid: {', '.join(ids)}"
                     + (f" (or just the number, 1-{len(numbered)})" if numbered else "")
                     + (f"; a course pack was not loaded: {unloaded[0]}" if unloaded else ""))


def load(exercise_id: str) -> Exercise:
    """The exercise's spec (imports torch and the spec module); a PackError, `file:line: message`,
    when the spec does not import or does not declare a usable exercise."""
    return _exercise(str(spec_files()[resolve(exercise_id)]))


@cache
def _exercise(path: str) -> Exercise:
    return _validated(_module(path), Path(path))


def _module(path: str) -> ModuleType:
    name = f"forwardlab_spec_{Path(path).stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except Exception as err:  # the instructor's code may raise anything: say where
        del sys.modules[name]
        raise spec_error(Path(path), "the exercise spec does not import", err) from err
    return module


def _validated(module: ModuleType, path: Path) -> Exercise:
    ex = getattr(module, "EXERCISE", None)
    if ex is None:
        raise PackError(f"{path}: no EXERCISE in this spec: end it with `EXERCISE = YourSpec()`, an instance of "
                        "a grader.authoring.Exercise subclass")
    base = next((c for c in type(ex).__mro__ if (c.__module__, c.__name__) == BASE), None)
    if base is None:
        what = f"the class {ex.__name__}" if isinstance(ex, type) else f"a {type(ex).__name__}"
        fix = f" (write `EXERCISE = {ex.__name__}()`)" if isinstance(ex, type) else ""
        raise PackError(f"{path}:{_assignment_line(path)}: EXERCISE is {what}, not an instance of a "
                        f"grader.authoring.Exercise subclass{fix}")
    cls = type(ex)
    where = f"{path}:{_class_line(cls)}: {cls.__name__}"
    if getattr(ex, "id", None) != path.stem:
        raise PackError(f"{where}.id is {getattr(ex, 'id', None)!r}; it must be {path.stem!r}, the spec's file name")
    if not isinstance(getattr(ex, "class_name", None), str) or not ex.class_name.isidentifier():
        raise PackError(f"{where}.class_name must name the learner's class (e.g. class_name = \"LayerNorm\")")
    for method, signature in (("reference", "reference(self, config)"),
                              ("inputs", "inputs(self, config, batch, gen, variant)")):
        if getattr(cls, method) is getattr(base, method):
            raise PackError(f"{where} has no {method}(): define {signature}, see grader.authoring.Exercise")
    if not ex.configs:
        raise PackError(f"{where}.configs is empty: give at least one Config")
    return ex


def spec_error(spec: Path, what: str, err: BaseException | None = None, exercise: object = None,
               line: int | None = None) -> PackError:
    """A one-line PackError `spec:line: what: Type: message` (`spec:line: what` without `err`), at `line`,
    else the innermost line of `spec` that `err` passed through (the line of a syntax error), else the
    line of `exercise`'s class when given."""
    if line is None and err is not None:
        line = _line_in(err, spec)
    if line is None and exercise is not None:
        line = _class_line(type(exercise))
    detail = f": {type(err).__name__}: {err}" if err is not None else ""
    text = (what + detail).strip().splitlines()[0]
    return PackError(f"{spec}{f':{line}' if line else ''}: {text}")


def _line_in(err: BaseException, spec: Path) -> int | None:
    if isinstance(err, SyntaxError) and err.filename and Path(err.filename) == spec:
        return err.lineno
    lines = [f.lineno for f in traceback.extract_tb(err.__traceback__) if Path(f.filename) == spec]
    return lines[-1] if lines else None


def _class_line(cls: type) -> int | None:
    try:
        return inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return None


def _assignment_line(path: Path) -> int:
    for number_, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.match(r"EXERCISE\s*[:=]", text):
            return number_
    return 1
