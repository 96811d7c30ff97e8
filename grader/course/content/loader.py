"""Load and validate content packs: every problem is collected as `file:line: path: message`.

A content dir holds YAML files anywhere below it (by convention lessons/, quizzes/, spotters/,
exercises/). A broken file is reported and skipped; everything else still loads. After the files,
course-wide rules run: ids unique per kind, and every cross-reference (quiz -> lesson, question ->
section, exercise -> lessons, spotter -> section and pitfall) resolves. `check_content` also applies
the authoring rules (grader.course.content.rules) that make a pack fit to teach with.
"""

from __future__ import annotations

import importlib.resources
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from grader.course.content.rules import authoring_problems
from grader.course.content.schema import MODELS, ExerciseMeta, Lesson, Quiz, Section, Spotter, Strict
from grader.course.content.yamlpos import Path_, line_of, parse
from grader.errors import UsageError
from grader.wording import plural

ENV_VAR = "FORWARDLAB_CONTENT_PATH"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ContentError(UsageError, ValueError):
    """A content file that does not validate; `problems` says where and why (the CLI prints them,
    one `file:line: path: message` line each, and exits 2)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True)
class _Doc:
    """A validated file with its source positions, kept for course-wide checks."""

    model: Any
    file: str
    lines: dict[Path_, int]
    blocks: dict[Path_, int] = field(default_factory=dict)

    def problem(self, loc: Path_, message: str, line: int | None = None) -> Problem:
        """A problem at `loc`: on the field's own line, or on `line` when the caller knows better."""
        return Problem(self.file, line or line_of(self.lines, loc), _dotted(loc), message)

    def text_line(self, loc: Path_, k: int) -> int:
        """The file line of line `k` (0-based) of the text at `loc`: exact for `|` blocks, else the field's."""
        start = self.blocks.get(loc)
        return start + k if start is not None else line_of(self.lines, loc)


@dataclass
class Course:
    lessons: list[Lesson] = field(default_factory=list)
    quizzes: list[Quiz] = field(default_factory=list)
    spotters: list[Spotter] = field(default_factory=list)
    exercises: dict[str, ExerciseMeta] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def lesson(self, lesson_id: str) -> Lesson:
        return _find(self.lessons, lesson_id, "lesson")

    def quiz(self, quiz_id: str) -> Quiz:
        return _find(self.quizzes, quiz_id, "quiz")

    def spotter(self, spotter_id: str) -> Spotter:
        return _find(self.spotters, spotter_id, "spotter")

    def exercise(self, exercise_id: str) -> ExerciseMeta:
        return self.exercises[exercise_id]

    def section(self, ref: str) -> tuple[Lesson, Section]:
        """'lesson#section' -> (Lesson, Section); KeyError when either is unknown."""
        lesson_id, _, section_id = ref.partition("#")
        lesson = self.lesson(lesson_id)
        return lesson, _find(lesson.sections, section_id, f"section of {lesson_id}")

    def quizzes_for(self, lesson_id: str) -> list[Quiz]:
        return [q for q in self.quizzes if q.lesson == lesson_id]

    def spotters_for(self, lesson_id: str) -> list[Spotter]:
        return [s for s in self.spotters if s.section.partition("#")[0] == lesson_id]

    @property
    def question_count(self) -> int:
        return sum(len(q.questions) for q in self.quizzes)

    def summary(self) -> str:
        return (f"{plural(len(self.lessons), 'lesson')}, {plural(len(self.quizzes), 'quiz', 'quizzes')} "
                f"({plural(self.question_count, 'question')}), {plural(len(self.exercises), 'exercise')}")


def _find(items: Iterable[Any], item_id: str, what: str) -> Any:
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(f"unknown {what} {item_id!r}")


def _dotted(loc: Path_) -> str:
    return ".".join(str(p) for p in loc)


def default_content_dir() -> Path:
    """The content shipped with Forward Lab (the `forwardlab_content` package), editable or installed."""
    return Path(str(importlib.resources.files("forwardlab_content")))


def content_dirs() -> list[Path]:
    """The default content followed by the instructor packs named in $FORWARDLAB_CONTENT_PATH."""
    extra = os.environ.get(ENV_VAR, "")
    return [default_content_dir()] + [Path(p) for p in extra.split(os.pathsep) if p]


# ---------------------------------------------------------------- one file

def read_document(file: Path) -> tuple[_Doc | None, list[Problem]]:
    """Parse and validate one file: (the document or None, its problems). Never raises."""
    name = str(file)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        return None, [Problem(name, 1, "", f"cannot read: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        return None, [Problem(name, line, "", f"not UTF-8 text (byte 0x{raw[exc.start]:02x})")]
    try:
        data, lines, blocks = parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        # An error at the end of the stream points past the last line; name the last line instead.
        line = min(mark.line + 1, max(1, len(text.splitlines()))) if mark is not None else 1
        return None, [Problem(name, line, "", f"malformed YAML: {_yaml_message(exc)}")]
    except RecursionError:
        return None, [Problem(name, 1, "", "malformed YAML: nested too deeply")]
    return _validate(data, name, lines, blocks)


def _yaml_message(exc: yaml.YAMLError) -> str:
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    return ", ".join(p for p in parts if p) or str(exc).splitlines()[0]


def _validate(data: Any, name: str, lines: dict[Path_, int],
              blocks: dict[Path_, int]) -> tuple[_Doc | None, list[Problem]]:
    if not isinstance(data, dict):
        return None, [Problem(name, lines[()], "", "expected a mapping with a `kind:` key")]
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in MODELS:
        known = ", ".join(sorted(MODELS))
        message = "missing `kind:`" if kind is None else f"unknown kind {kind!r}"
        return None, [Problem(name, line_of(lines, ("kind",)), "kind", f"{message} (expected one of: {known})")]
    try:
        model = MODELS[kind].model_validate(data)
    except ValidationError as exc:
        return None, [_from_pydantic(err, name, lines) for err in exc.errors()]
    except RecursionError:
        return None, [Problem(name, 1, "", "nested too deeply")]
    return _Doc(model, name, lines, blocks), []


def _from_pydantic(err: Any, name: str, lines: dict[Path_, int]) -> Problem:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}"
    elif err["type"] == "missing":
        message = "missing required field"
    else:
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "string_type" and isinstance(err.get("input"), bool):
            message += " (YAML read a boolean: quote yes/no/on/off/true/false)"
    return Problem(name, line_of(lines, loc), _dotted(loc), message)


def load_exercise_meta(exercise_id: str) -> ExerciseMeta:
    """Fast path for `grader check`: read and validate only `exercises/<id>.yaml` from the content dirs.

    The first dir that has the file wins. KeyError when no dir has it; ContentError when it is invalid.
    """
    if not re.fullmatch(r"[a-z][a-z0-9_]*", exercise_id):  # never a path
        raise KeyError(exercise_id)
    for d in content_dirs():
        file = d / "exercises" / f"{exercise_id}.yaml"
        if file.is_file():
            doc, problems = read_document(file)
            if doc is None or problems:
                raise ContentError(problems)
            if not isinstance(doc.model, ExerciseMeta):
                raise ContentError([Problem(str(file), 1, "kind", "expected kind: exercise")])
            if doc.model.id != exercise_id:
                raise ContentError([doc.problem(("id",), f"id {doc.model.id!r} does not match the file name")])
            return doc.model
    raise KeyError(exercise_id)


# ---------------------------------------------------------------- the course

def load_course(dirs: Sequence[Path] | None = None) -> Course:
    """Load every content file under `dirs` (None: `content_dirs()`); never raises for bad content."""
    return _load(content_dirs() if dirs is None else [Path(d) for d in dirs])[0]


def _load(dirs: Sequence[Path], base: Course | None = None) -> tuple[Course, list[_Doc]]:
    """Load `dirs` (and the documents that loaded, for the authoring rules); cross-references may
    also resolve against `base` (the shipped content)."""
    docs, problems = [], []
    for file in _yaml_files(dirs):
        doc, found = read_document(file)
        problems += found
        if doc is not None:
            docs.append(doc)
    course = Course()
    kept = _dedupe(docs, problems)
    for doc in kept:
        m = doc.model
        if isinstance(m, Lesson):
            course.lessons.append(m)
        elif isinstance(m, Quiz):
            course.quizzes.append(m)
        elif isinstance(m, Spotter):
            course.spotters.append(m)
        else:
            course.exercises[m.id] = m
    course.lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    known = {lesson.id: lesson for lesson in (base.lessons if base else [])}
    known.update({lesson.id: lesson for lesson in course.lessons})
    for doc in kept:
        problems += _cross_refs(doc, known)
    course.problems = problems
    return course, kept


def _yaml_files(dirs: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        files += sorted(p for p in d.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return files


def _kind(model: Strict) -> str:
    return "spotter" if isinstance(model, Spotter) else str(getattr(model, "kind", ""))


def _dedupe(docs: list[_Doc], problems: list[Problem]) -> list[_Doc]:
    """Keep the first document of each (kind, id); report the others where their id is written."""
    first: dict[tuple[str, str], _Doc] = {}
    kept = []
    for doc in docs:
        key = (_kind(doc.model), doc.model.id)
        if key in first:
            prev = first[key]
            where = f"{prev.file}:{line_of(prev.lines, ('id',))}"
            problems.append(doc.problem(("id",), f"duplicate {key[0]} id {key[1]!r} (first defined at {where})"))
            continue
        first[key] = doc
        kept.append(doc)
        if isinstance(doc.model, ExerciseMeta) and Path(doc.file).stem != doc.model.id:
            problems.append(doc.problem(("id",), f"exercise id {doc.model.id!r} must match its file name "
                                                 f"({doc.model.id}.yaml): the grader finds it by name"))
    return kept


def _cross_refs(doc: _Doc, lessons: dict[str, Lesson]) -> list[Problem]:
    m = doc.model
    out: list[Problem] = []

    def ref(loc: Path_, value: str) -> Lesson | None:
        message = _resolve(value, lessons)
        if message:
            out.append(doc.problem(loc, message))
            return None
        return lessons[value.partition("#")[0]]

    if isinstance(m, Quiz):
        ref(("lesson",), m.lesson)
        for i, q in enumerate(m.questions):
            lesson = ref(("questions", i, "section"), q.section)
            for j, item in enumerate(q.covers):
                if lesson is not None and item not in _myths_and_pitfalls(lesson):
                    out.append(doc.problem(("questions", i, "covers", j),
                                           f"lesson {lesson.id!r} has no myth or pitfall {item!r}"))
    elif isinstance(m, Spotter):
        lesson = ref(("section",), m.section)
        for i, s in enumerate(m.snippets):
            if lesson is not None and s.pitfall and s.pitfall not in _pitfalls(lesson):
                out.append(doc.problem(("snippets", i, "pitfall"),
                                       f"lesson {lesson.id!r} has no pitfall {s.pitfall!r}"))
    elif isinstance(m, ExerciseMeta):
        needed = [lesson for i, r in enumerate(m.lessons) if (lesson := ref(("lessons", i), r)) is not None]
        after = ref(("after",), m.after)
        later = [lesson for lesson in needed if after is not None and lesson.order > after.order]
        if after is not None and later:
            out.append(doc.problem(("after",), f"listed after lesson {after.id!r}, but it needs lesson "
                                               f"{later[-1].id!r}, which comes later: name that lesson or a later one"))
    return out


def _resolve(ref: str, lessons: dict[str, Lesson]) -> str | None:
    """None when 'lesson' or 'lesson#section' exists, else what is wrong with it."""
    lesson_id, _, section_id = ref.partition("#")
    if lesson_id not in lessons:
        return f"unknown lesson {lesson_id!r}"
    if section_id and all(s.id != section_id for s in lessons[lesson_id].sections):
        return f"lesson {lesson_id!r} has no section {section_id!r}"
    return None


def _pitfalls(lesson: Lesson) -> set[str]:
    return {p.id for s in lesson.sections for p in s.pitfalls}


def _myths_and_pitfalls(lesson: Lesson) -> set[str]:
    return _pitfalls(lesson) | {m.id for s in lesson.sections for m in s.myths}


# ---------------------------------------------------------------- `grader content check`

def pack_course(directory: Path) -> Course:
    """The content of the pack at `directory` alone; its references may point into the shipped lessons."""
    return _load_pack(Path(directory))[0]


def _load_pack(directory: Path) -> tuple[Course, list[_Doc]]:
    default = default_content_dir()
    same = directory.resolve() == default.resolve()
    return _load([directory], None if same else load_course([default]))


def check_content(directory: Path | None = None) -> tuple[int, str]:
    """`grader content check [DIR]`: (exit code, text). 0 and the summary line when all is valid;
    1 and one `file:line: path: message` per problem, then the summary of what did load.

    Beyond what `load_course` reports, the authoring rules (grader.course.content.rules) apply to every file
    checked. DIR is checked as an instructor pack: its references may point into the shipped lessons.
    """
    if directory is None:
        course, docs = _load(content_dirs())
    else:
        directory = Path(directory)
        if not directory.is_dir():
            return 2, f"{directory}: not a directory"
        course, docs = _load_pack(directory)
    problems = course.problems + authoring_problems(docs)
    if problems:
        return 1, "\n".join(map(str, problems)) + "\n" + course.summary()
    return 0, course.summary()
