"""The shipped content: it validates, covers every part of the seeds, teaches in depth, and its code really runs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from functools import lru_cache

import pytest

from grader.course.content import Course, check_content, load_course, load_exercise_meta
from grader.course.content.rules import MIN_QUESTIONS

SEED_ROLES = ["overview", "why", "where", "mental-model", "build-up", "under-the-hood", "design", "myths",
              "expert-zone", "when-not", "production", "connections", "pitfalls", "takeaways"]
PIPELINE_SHAPES = [("64 x 1 x 28 x 28", "64 x 1 x 28 x 28"), ("64 x 1 x 28 x 28", "64 x 784"),
                   ("64 x 784", "64 x 128"), ("64 x 128", "64 x 128"), ("64 x 128", "64 x 10"),
                   ("64 x 10", "64 x 10")]
TRAINING = [(1, 1.2, 0.55), (2, 0.8, 0.72), (3, 0.5, 0.83), (4, 0.35, 0.89), (5, 0.25, 0.92)]
# The lessons written for Forward Lab itself (no seed page): each as deep as the seed lessons.
DEEP_LESSONS = ["batching-and-shapes", "train-eval-modes", "hooks-and-call", "dynamic-control-flow",
                "devices-and-dtypes", "static-graphs-export"]
# exercise -> the lesson that teaches what it needs; the outline must list the exercise after it
TAUGHT_BEFORE = {"exercise2": "model-pipeline", "exercise3": "batching-and-shapes", "exercise6": "hooks-and-call",
                 "exercise7": "dynamic-control-flow", "exercise8": "train-eval-modes",
                 "exercise12": "devices-and-dtypes", "exercise14": "static-graphs-export"}


@lru_cache(maxsize=1)
def course() -> Course:
    return load_course()


def test_shipped_content_has_no_problems() -> None:
    assert [str(p) for p in course().problems] == []


def test_content_check_passes_with_the_authoring_rules() -> None:
    """`grader content check`: balance, width, explanations, quiz sizes all hold for the shipped content."""
    code, text = check_content()
    assert code == 0, text
    assert text == course().summary()


def test_counts() -> None:
    c = course()
    assert len(c.lessons) >= 9
    assert c.question_count >= 150
    assert all(len(quiz.questions) >= MIN_QUESTIONS for quiz in c.quizzes)
    assert {quiz.lesson for quiz in c.quizzes} == {lesson.id for lesson in c.lessons}
    assert sorted(c.exercises) == sorted(f"exercise{i}" for i in range(1, 15))
    assert sum(len(s.snippets) for s in c.spotters) >= 6


def body_words(lesson_id: str) -> int:
    return sum(len(section.body.split()) for section in course().lesson(lesson_id).sections)


@pytest.mark.parametrize("lesson_id", DEEP_LESSONS)
def test_lesson_depth(lesson_id: str) -> None:
    """As deep as the seed lessons: an overview, 600+ words, two checked examples, two predictions,
    a pitfall with a runnable fix."""
    lesson = course().lesson(lesson_id)
    assert lesson.sections[0].role == "overview"
    assert body_words(lesson_id) >= 600
    checked = [b for s in lesson.sections for b in s.code if b.runnable and b.expect_output]
    assert len(checked) >= 2
    assert sum(s.predict is not None for s in lesson.sections) >= 2
    assert any(p.runnable for s in lesson.sections for p in s.pitfalls)
    assert lesson.sections[-1].role == "takeaways"


def test_every_section_has_a_question() -> None:
    asked = {q.section for quiz in course().quizzes for q in quiz.questions}
    missing = [f"{lesson.id}#{section.id}" for lesson in course().lessons for section in lesson.sections
               if f"{lesson.id}#{section.id}" not in asked]
    assert missing == []


def test_a_quarter_of_the_myth_cards_are_facts() -> None:
    verdicts = [m.verdict for lesson in course().lessons for s in lesson.sections for m in s.myths]
    assert verdicts.count("fact") >= len(verdicts) / 4
    assert verdicts.count("myth") >= len(verdicts) / 4


def test_every_runnable_example_checks_its_output() -> None:
    unchecked = [f"{lesson.id}#{s.id}" for lesson in course().lessons for s in lesson.sections
                 for b in s.code if b.runnable and b.expect_output is None]
    assert unchecked == []


@pytest.mark.parametrize("exercise_id", [f"exercise{i}" for i in range(1, 15)])
def test_an_exercise_comes_after_what_it_needs(exercise_id: str) -> None:
    """The outline lists an exercise under its first lesson: every lesson it draws on comes no later."""
    order = {lesson.id: lesson.order for lesson in course().lessons}
    refs = [ref.partition("#")[0] for ref in course().exercise(exercise_id).lessons]
    assert max(order[r] for r in refs) == order[refs[0]], refs
    if exercise_id in TAUGHT_BEFORE:
        assert order[refs[0]] >= order[TAUGHT_BEFORE[exercise_id]]


def seed_lesson(seed: str):
    return next(lesson for lesson in course().lessons if lesson.seed == seed)


@pytest.mark.parametrize(("seed", "steps", "myths", "pitfalls", "expert_points"),
                         [("001", 7, 4, 3, 3), ("002", 6, 4, 3, 3)])
def test_deep_dive_covers_every_seed_section(seed: str, steps: int, myths: int, pitfalls: int,
                                             expert_points: int) -> None:
    lesson = seed_lesson(seed)
    roles = [s.role for s in lesson.sections]
    assert [r for r in SEED_ROLES if r not in roles] == []
    build_up = [s for s in lesson.sections if s.role == "build-up"]
    assert len(build_up) == steps
    assert all(s.predict is not None for s in build_up), "every build-up step asks for a prediction"
    assert sum(len(s.myths) for s in lesson.sections) == myths
    assert sum(len(s.pitfalls) for s in lesson.sections) == pitfalls
    expert = next(s for s in lesson.sections if s.role == "expert-zone")
    assert expert.body.count("\n- ") + expert.body.startswith("- ") == expert_points
    assert len(next(s for s in lesson.sections if s.role == "connections").connections) == 3
    assert len(next(s for s in lesson.sections if s.role == "takeaways").takeaways) == 5
    assert next(s for s in lesson.sections if s.role == "mental-model").diagram


def test_pipeline_lesson_has_the_seed_traces() -> None:
    lesson = seed_lesson("000")
    pipeline = next(s for s in lesson.sections if s.role == "pipeline-trace").pipeline
    assert [(p.input_shape, p.output_shape) for p in pipeline] == PIPELINE_SHAPES
    assert [p.stage for p in pipeline] == [1, 2, 3, 4, 5, 6]
    training = next(s for s in lesson.sections if s.role == "training-trace").training
    assert [(t.epoch, t.loss, t.accuracy) for t in training] == TRAINING
    assert any(s.role == "prediction-trace" for s in lesson.sections)
    assert any(s.role == "insight" for s in lesson.sections)


def test_seed_quiz_question_is_there() -> None:
    questions = [q for quiz in course().quizzes for q in quiz.questions
                 if q.prompt.startswith("What does the forward method mainly do")]
    assert len(questions) == 1
    options = questions[0].options
    assert [o.text for o in options] == [
        "Loads the training data into the model", "Calculates the loss after prediction",
        "Defines how input data moves through layers to produce output", "Updates the model weights during training"]
    assert [o.correct for o in options] == [False, False, True, False]


def test_every_myth_and_pitfall_has_a_question() -> None:
    covered = {item for quiz in course().quizzes for q in quiz.questions for item in q.covers}
    for lesson in course().lessons:
        for section in lesson.sections:
            for item in [m.id for m in section.myths] + [p.id for p in section.pitfalls]:
                assert item in covered, f"no quiz question covers {lesson.id}: {item}"


def test_every_seed_pitfall_has_a_spotter_snippet() -> None:
    drilled = {s.pitfall for spotter in course().spotters for s in spotter.snippets}
    for seed in ("001", "002"):
        for section in seed_lesson(seed).sections:
            for pitfall in section.pitfalls:
                assert pitfall.id in drilled, pitfall.id


def test_quiz_mix() -> None:
    questions = [q for quiz in course().quizzes for q in quiz.questions]
    assert {q.difficulty for q in questions} == {"easy", "medium", "hard"}
    assert sum(q.multiple for q in questions) >= 5
    for q in questions:
        n = sum(o.correct for o in q.options)
        assert (n >= 2) if q.multiple else (n == 1), q.id


@pytest.mark.parametrize("exercise_id", [f"exercise{i}" for i in range(1, 15)])
def test_exercise_meta(exercise_id: str) -> None:
    meta = load_exercise_meta(exercise_id)
    assert meta == course().exercises[exercise_id]
    assert 3 <= len(meta.hints) <= 5
    assert "[" in meta.description, "the description states the input and output shapes"


def test_the_outline_lists_each_exercise_after_the_lesson_it_needs(tmp_path) -> None:
    """Up next follows the outline: an exercise comes only once every lesson it needs has come."""
    from grader.course.outline import build_outline, next_item
    from grader.course.progress import ProgressStore

    store = ProgressStore(tmp_path / "progress.sqlite3")
    outline = build_outline(course(), store)
    lessons = [item.id for item in outline if item.kind == "lesson"]
    seen: list[str] = []
    for item in outline:
        if item.kind == "lesson":
            seen.append(item.id)
        elif item.kind == "exercise":
            meta = course().exercise(item.id)
            assert seen[-1] == meta.after, item.id
            needed = {ref.partition("#")[0] for ref in meta.lessons}
            assert needed <= set(seen), f"{item.id} is listed before {needed - set(seen)}"
    assert lessons == [lesson.id for lesson in course().lessons]
    # the ids stay: `grader check exercise3` is still TinyCNN, now listed after the batching lesson
    assert course().exercise("exercise3").title == "TinyCNN"
    assert course().exercise("exercise3").after == "batching-and-shapes"
    assert next_item(outline).id == lessons[0]
    store.close()


# ------------------------------------------------------------------ running the code

RUNNER = textwrap.dedent("""
    import contextlib, io, json, sys, traceback
    import torch
    results = []
    for code in json.load(sys.stdin):
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})
            error = None
        except BaseException:
            error = traceback.format_exc(limit=3)
        results.append({"out": out.getvalue(), "error": error})
    print(json.dumps(results))
""")


def runnable_code() -> list[tuple[str, str, str | None]]:
    """(name, code, expected stdout) for every runnable code block and every runnable pitfall fix."""
    items = []
    for lesson in course().lessons:
        for section in lesson.sections:
            for i, block in enumerate(section.code):
                if block.runnable:
                    items.append((f"{lesson.id}#{section.id}/code{i}", block.code, block.expect_output))
            for p in section.pitfalls:
                if p.runnable:
                    items.append((f"{lesson.id}#{section.id}/{p.id}", p.correct_code, None))
    return items


@lru_cache(maxsize=1)
def run_all() -> dict[str, dict]:
    """Run every snippet in one CPU-only child process (one torch import), each in a fresh namespace."""
    items = runnable_code()
    proc = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps([c for _, c, _ in items]),
                          capture_output=True, text=True, timeout=120, env={"CUDA_VISIBLE_DEVICES": "",
                                                                            "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    return dict(zip([n for n, _, _ in items], json.loads(proc.stdout.splitlines()[-1])))


@pytest.mark.parametrize(("name", "code", "expected"), runnable_code(), ids=[n for n, _, _ in runnable_code()])
def test_runnable_snippet(name: str, code: str, expected: str | None) -> None:
    result = run_all()[name]
    assert result["error"] is None, result["error"]
    if expected is not None:
        assert result["out"].strip() == expected.strip()
