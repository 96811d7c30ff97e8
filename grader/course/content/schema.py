"""Pydantic models for Forward Lab's content files (one YAML document per file, `kind:` picks the model).

Every model forbids unknown keys so that a typo in a YAML key is reported, not silently ignored.
Rules that need two fields (an answer index against its options, a bug line against its code) are
field validators on the later field, so that an error points at that field's own line.
`write_json_schema` exports the same rules for editors (`content/schema.json`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
# "lesson-id" or "lesson-id#section-id"
SectionRef = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*(#[a-z0-9][a-z0-9-]*)?$")]
# A reference that must name a section, not just a lesson.
FullSectionRef = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*#[a-z0-9][a-z0-9-]*$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]

# What a lesson section is for; the seeds' section names, so coverage of every seed part is checkable.
SectionRole = Literal[
    "text", "overview", "why", "where", "mental-model", "build-up", "under-the-hood", "design",
    "myths", "expert-zone", "when-not", "production", "connections", "pitfalls", "takeaways",
    "pipeline-trace", "training-trace", "prediction-trace", "insight",
]


class Strict(BaseModel):
    """Base for every content model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


def _line_count(code: str) -> int:
    return len(code.rstrip("\n").splitlines())


def _check_line(line: int, info: ValidationInfo, code_field: str) -> int:
    """A 1-based line number must fall inside the code given in `code_field` (validated earlier)."""
    code = info.data.get(code_field)
    if code is not None and not 1 <= line <= _line_count(code):
        raise ValueError(f"line {line} is outside the {_line_count(code)}-line {code_field}")
    return line


class CodeBlock(Strict):
    language: str = "python"
    code: NonEmpty
    # Runs on the CPU in about a second with only torch imported; the tests execute it.
    runnable: bool = False
    # Exact stdout (compared after stripping surrounding whitespace); only for runnable blocks.
    expect_output: str | None = None

    @model_validator(mode="after")
    def _output_needs_runnable(self) -> CodeBlock:
        if self.expect_output is not None and not self.runnable:
            raise ValueError("expect_output is only checked on runnable blocks: set runnable: true")
        return self


class Choice(Strict):
    """One option of a prediction, with why it is right or wrong (shown whether picked or not)."""

    text: NonEmpty
    explanation: NonEmpty


class Predict(Strict):
    """A 'predict before reading on' question: the reader commits before the section goes on."""

    question: NonEmpty
    options: list[Choice] = Field(min_length=2, max_length=6)
    answer: int = Field(ge=0, description="0-based index into options")
    # What the section goes on to show, after the per-option explanations.
    explanation: NonEmpty

    @field_validator("answer")
    @classmethod
    def _answer_in_range(cls, v: int, info: ValidationInfo) -> int:
        options = info.data.get("options")
        if options is not None and v >= len(options):
            raise ValueError(f"answer {v} is out of range: there are {len(options)} options (0-based)")
        return v


class Myth(Strict):
    """A "true or myth?" card: the learner says whether `belief` is true before `reality` is shown."""

    id: Slug
    belief: NonEmpty
    # Whether the belief is false (a myth) or true (a fact); required so every card says which.
    verdict: Literal["myth", "fact"]
    reality: NonEmpty
    why_it_matters: NonEmpty


class Pitfall(Strict):
    id: Slug
    title: NonEmpty
    wrong_code: NonEmpty
    correct_code: NonEmpty
    root_cause: NonEmpty
    bug_line: int = Field(ge=1, description="1-based line of the mistake in wrong_code")
    # correct_code is a complete program (torch only, CPU, about a second); the tests run it.
    runnable: bool = False

    @field_validator("bug_line")
    @classmethod
    def _bug_line_in_code(cls, v: int, info: ValidationInfo) -> int:
        return _check_line(v, info, "wrong_code")


class PipelineStage(Strict):
    stage: int = Field(ge=1)
    name: NonEmpty
    input_shape: NonEmpty
    output_shape: NonEmpty
    description: NonEmpty


class TrainingEpoch(Strict):
    epoch: int = Field(ge=1)
    loss: float = Field(ge=0)
    accuracy: float = Field(ge=0, le=1)
    observation: NonEmpty


class Section(Strict):
    """One screen of a lesson; any of the optional parts may be present together."""

    id: Slug
    title: NonEmpty
    role: SectionRole = "text"
    body: str = ""
    code: list[CodeBlock] = []
    diagram: str | None = None
    predict: Predict | None = None
    myths: list[Myth] = []
    pitfalls: list[Pitfall] = []
    takeaways: list[NonEmpty] = []
    connections: list[NonEmpty] = []
    pipeline: list[PipelineStage] = []
    training: list[TrainingEpoch] = []


class Lesson(Strict):
    kind: Literal["lesson"]
    id: Slug
    title: NonEmpty
    summary: NonEmpty
    order: int
    seed: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")] | None = None
    sections: list[Section] = Field(min_length=1)

    @field_validator("sections")
    @classmethod
    def _unique_section_ids(cls, sections: list[Section]) -> list[Section]:
        seen: set[str] = set()
        for s in sections:
            if s.id in seen:
                raise ValueError(f"duplicate section id {s.id!r}")
            seen.add(s.id)
        return sections


class Option(Strict):
    text: NonEmpty
    correct: bool = False
    explanation: NonEmpty


class Question(Strict):
    id: Slug
    prompt: NonEmpty
    code: str | None = None
    options: list[Option] = Field(min_length=2, max_length=6)
    # validate_default: the correct-count rule must run when `multiple` is left out too.
    multiple: bool = Field(default=False, validate_default=True)
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    section: FullSectionRef
    # Ids of the myths or pitfalls (in the section's lesson) this question tests.
    covers: list[Slug] = []

    @field_validator("multiple")
    @classmethod
    def _correct_count(cls, multiple: bool, info: ValidationInfo) -> bool:
        options = info.data.get("options")
        if options is None:
            return multiple
        n = sum(o.correct for o in options)
        if multiple and n < 2:
            raise ValueError(f"a multiple-answer question needs at least 2 correct options, found {n}")
        if not multiple and n != 1:
            raise ValueError(f"a single-answer question needs exactly 1 correct option, found {n}")
        return multiple


class Quiz(Strict):
    kind: Literal["quiz"]
    id: Slug
    title: NonEmpty
    lesson: Slug
    questions: list[Question] = Field(min_length=1)


class Snippet(Strict):
    """Code with exactly one bug, for the find-the-bug mode."""

    id: Slug
    code: NonEmpty
    bug_line: int = Field(ge=1)
    # Lines (1-based) offered to the learner; empty means every line is clickable.
    options: list[int] = []
    explanation: NonEmpty
    fix: NonEmpty
    # The lesson pitfall this snippet drills, if any.
    pitfall: Slug | None = None

    @field_validator("bug_line")
    @classmethod
    def _bug_line_in_code(cls, v: int, info: ValidationInfo) -> int:
        return _check_line(v, info, "code")

    @field_validator("options")
    @classmethod
    def _options_hold_bug(cls, v: list[int], info: ValidationInfo) -> list[int]:
        code, bug = info.data.get("code"), info.data.get("bug_line")
        if v and code is not None:
            for line in v:
                _check_line(line, info, "code")
        if v and bug is not None and bug not in v:
            raise ValueError(f"options must include bug_line {bug}")
        return v


class Spotter(Strict):
    kind: Literal["spotter", "pitfall-spotter"]
    id: Slug
    title: NonEmpty
    section: FullSectionRef
    snippets: list[Snippet] = Field(min_length=1)


class Limits(Strict):
    time_s: float = Field(default=20, gt=0)
    memory_mb: int = Field(default=2048, gt=0)


class ExerciseMeta(Strict):
    kind: Literal["exercise"]
    # the name of its spec, specs/ID.py (grader.course.registry.EXERCISE_ID): exercise3, layernorm, kv_cache
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    title: NonEmpty
    summary: Annotated[str, StringConstraints(min_length=1, pattern=r"^[^\n]*$")]
    description: NonEmpty
    lessons: list[SectionRef] = Field(min_length=1)
    # The lesson the course outline lists it after: one that comes no earlier than any of `lessons`.
    after: Slug
    hints: list[NonEmpty] = Field(min_length=3)
    # Check category ("values") or check id ("batch/per-sample") -> points; empty: 1 point per check.
    points: dict[str, float] = {}
    limits: Limits = Limits()


MODELS: dict[str, type[Strict]] = {
    "lesson": Lesson, "quiz": Quiz, "spotter": Spotter, "pitfall-spotter": Spotter, "exercise": ExerciseMeta,
}

Document = Annotated[Lesson | Quiz | Spotter | ExerciseMeta, Field(discriminator="kind")]


def json_schema() -> dict:
    """The JSON Schema of one content file (any kind)."""
    schema = TypeAdapter(Document).json_schema()
    schema["title"] = "Forward Lab content file"
    return schema


def write_json_schema(path: Path) -> None:
    """Write `json_schema()` to `path` in a stable layout (sorted keys), so the test can diff it."""
    Path(path).write_text(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
