"""Authoring rules: what makes a content pack fit to teach with, beyond loading at all.

`grader content check` applies them to every file it checks, the shipped content and instructor packs
alike; `load_course` does not (a short quiz still opens in the app). Each rule reports
`file:line: field.path: message` on the line it is about:

- a quiz has at least MIN_QUESTIONS questions;
- every option of a question or a prediction has its own explanation (none repeats another's);
- the right answers are spread over the option positions: no position holds more than MAX_KEY_SHARE
  of the pack's single-answer keys, nor more than MAX_PREDICT_SHARE of its predictions' answers
  (checked once a pack has BALANCE_SAMPLE of them: fewer cannot be balanced);
- code shown in a terminal (lesson code and diagrams, pitfalls, quiz code, spotter snippets) has lines
  of at most CODE_WIDTH characters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from grader.course.content.schema import Lesson, Quiz, Spotter

if TYPE_CHECKING:  # the loader imports this module
    from grader.course.content.loader import Problem

MIN_QUESTIONS = 12
MAX_KEY_SHARE = 0.35
MAX_PREDICT_SHARE = 0.45
BALANCE_SAMPLE = 10
CODE_WIDTH = 88
LETTERS = "ABCDEF"

Loc = tuple[Any, ...]


class Located(Protocol):
    """A loaded document that can place a problem on its own source lines (loader._Doc)."""

    @property
    def model(self) -> Any: ...

    def problem(self, loc: Loc, message: str, line: int | None = None) -> Problem: ...

    def text_line(self, loc: Loc, k: int) -> int: ...


def authoring_problems(docs: Sequence[Located]) -> list[Problem]:
    """Every authoring-rule problem of `docs`, file by file, then the pack-wide balance rules."""
    problems: list[Problem] = []
    for doc in docs:
        problems += _quiz_size(doc) + _own_explanations(doc) + _code_width(doc)
    keys = [(doc, ("questions", i, "options", _key(q.options), "correct"), _key(q.options))
            for doc in docs if isinstance(doc.model, Quiz)
            for i, q in enumerate(doc.model.questions) if not q.multiple]
    problems += _balance(keys, MAX_KEY_SHARE, "option {letter} is the right answer of {n} of the {total} "
                         "single-answer questions ({share:.0%})")
    predicts = [(doc, ("sections", i, "predict", "answer"), s.predict.answer)
                for doc in docs if isinstance(doc.model, Lesson)
                for i, s in enumerate(doc.model.sections) if s.predict is not None]
    problems += _balance(predicts, MAX_PREDICT_SHARE, "option {letter} is the answer of {n} of the {total} "
                         "predictions ({share:.0%})")
    return problems


def _key(options: Sequence[Any]) -> int:
    return next(i for i, option in enumerate(options) if option.correct)


def _quiz_size(doc: Located) -> list[Problem]:
    quiz = doc.model
    if isinstance(quiz, Quiz) and len(quiz.questions) < MIN_QUESTIONS:
        return [doc.problem(("questions",), f"a quiz needs at least {MIN_QUESTIONS} questions to measure "
                                            f"anything, found {len(quiz.questions)}")]
    return []


def _option_lists(model: Any) -> Iterator[tuple[Loc, Sequence[Any]]]:
    if isinstance(model, Quiz):
        for i, question in enumerate(model.questions):
            yield ("questions", i, "options"), question.options
    elif isinstance(model, Lesson):
        for i, section in enumerate(model.sections):
            if section.predict is not None:
                yield ("sections", i, "predict", "options"), section.predict.options


def _own_explanations(doc: Located) -> list[Problem]:
    problems = []
    for loc, options in _option_lists(doc.model):
        seen: dict[str, int] = {}
        for j, option in enumerate(options):
            text = " ".join(option.explanation.split()).lower()
            if text in seen:
                problems.append(doc.problem((*loc, j, "explanation"),
                                            f"the same explanation as option {LETTERS[seen[text]]}: say why "
                                            f"this option in particular is right or wrong"))
            seen.setdefault(text, j)
    return problems


def _code_fields(model: Any) -> Iterator[tuple[Loc, str]]:
    if isinstance(model, Lesson):
        for i, section in enumerate(model.sections):
            for j, block in enumerate(section.code):
                yield ("sections", i, "code", j, "code"), block.code
            if section.diagram:
                yield ("sections", i, "diagram"), section.diagram
            for j, pitfall in enumerate(section.pitfalls):
                yield ("sections", i, "pitfalls", j, "wrong_code"), pitfall.wrong_code
                yield ("sections", i, "pitfalls", j, "correct_code"), pitfall.correct_code
    elif isinstance(model, Quiz):
        for i, question in enumerate(model.questions):
            if question.code:
                yield ("questions", i, "code"), question.code
    elif isinstance(model, Spotter):
        for i, snippet in enumerate(model.snippets):
            yield ("snippets", i, "code"), snippet.code


def _code_width(doc: Located) -> list[Problem]:
    problems = []
    for loc, code in _code_fields(doc.model):
        for k, line in enumerate(code.splitlines()):
            if len(line) > CODE_WIDTH:
                problems.append(doc.problem(loc, f"code line {k + 1} is {len(line)} characters; at most "
                                                 f"{CODE_WIDTH} fit a terminal", doc.text_line(loc, k)))
    return problems


def _balance(keys: list[tuple[Located, Loc, int]], limit: float, what: str) -> list[Problem]:
    """One problem per over-full position, at the last key that sits there."""
    total = len(keys)
    if total < BALANCE_SAMPLE:
        return []
    counts = Counter(index for _, _, index in keys)
    problems = []
    for index, n in sorted(counts.items()):
        if n / total > limit:
            doc, loc, _ = next((d, loc, i) for d, loc, i in reversed(keys) if i == index)
            message = what.format(letter=LETTERS[index], n=n, total=total, share=n / total)
            problems.append(doc.problem(loc, f"{message}; at most {limit:.0%} may share a position: move some "
                                             f"right answers to other positions"))
    return problems
