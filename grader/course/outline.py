"""The course outline and the learner's standing, computed from the course and the progress store.

The home screen, the command palette and "what next" all read this one view of progress; nothing
here writes except `save_lesson_position`, which owns the format of a lesson's reading position.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from grader.course.attempts import History, histories, score
from grader.course.content import Course, Lesson, Quiz
from grader.course.progress import Answer, ProgressStore
from grader.course.registry import number, order
from grader.wording import plural

Kind = Literal["lesson", "quiz", "exercise"]
State = Literal["new", "started", "done", "failed"]

# Points: one per answer right at the first try, EXERCISE_POINTS per exercise passed. Retries earn
# none: they are counted apart, as answers fixed (grader.course.attempts).
EXERCISE_POINTS = 10


@dataclass(frozen=True)
class OutlineItem:
    kind: Kind
    id: str
    title: str
    state: State
    detail: str
    depth: int  # 0: a lesson; 1: a quiz or exercise listed under its lesson


@dataclass(frozen=True)
class Standing:
    done: int
    total: int
    streak_days: int
    score: int  # points: first tries right, exercises passed
    fixed: int  # answers missed at the first try and right at the latest retry


def quiz_item(quiz: Quiz, question_id: str) -> str:
    """The progress-store item of a quiz question (question ids are only unique within a quiz)."""
    return f"{quiz.id}/{question_id}"


def latest_answers(store: ProgressStore, kind: str) -> dict[str, Answer]:
    """item -> the newest answer to each item of `kind`."""
    return {answer.item: answer for answer in store.answers(kind)}


@dataclass(frozen=True)
class LessonPosition:
    """Where the learner is in a lesson: the section shown last, and the sections read.

    A section is read once it has been shown with its text revealed: at once for a section without
    a prediction, on committing the prediction for one with. Jumping past a section does not read it.
    """

    section: int = 0
    read: frozenset[int] = frozenset()

    def reading(self, index: int) -> LessonPosition:
        return LessonPosition(index, self.read | {index})

    def read_of(self, lesson: Lesson) -> int:
        """How many of the lesson's sections are read (a lesson edited since may have fewer now)."""
        return len({i for i in self.read if 0 <= i < len(lesson.sections)})


def lesson_position(store: ProgressStore, lesson_id: str) -> LessonPosition | None:
    """The learner's position in the lesson, or None if it was never opened."""
    raw = store.position(f"lesson:{lesson_id}")
    if not raw:
        return None
    try:
        data = json.loads(raw)
        if "read" in data:
            return LessonPosition(int(data["section"]), frozenset(int(i) for i in data["read"]))
        # written before sections were marked one by one: everything up to the furthest was read
        return LessonPosition(int(data["section"]), frozenset(range(int(data["furthest"]) + 1)))
    except (ValueError, KeyError, TypeError):
        return LessonPosition()  # a position no version wrote: start over rather than fail


def save_lesson_position(store: ProgressStore, lesson_id: str, position: LessonPosition) -> None:
    store.set_position(f"lesson:{lesson_id}", json.dumps({"section": position.section,
                                                          "read": sorted(position.read)}))


def _lesson_item(store: ProgressStore, lesson: Lesson) -> OutlineItem:
    total = len(lesson.sections)
    position = lesson_position(store, lesson.id)
    read = position.read_of(lesson) if position else 0
    state: State = "new" if position is None else "done" if read == total else "started"
    detail = f"{read}/{total} sections read" if position else plural(total, "section")
    return OutlineItem("lesson", lesson.id, lesson.title, state, detail, 0)


def _quiz_item(quiz: Quiz, history: dict[str, History]) -> OutlineItem:
    result = score([quiz_item(quiz, q.id) for q in quiz.questions], history)
    state: State = "done" if result.answered == result.questions else "started" if result.answered else "new"
    return OutlineItem("quiz", quiz.id, quiz.title, state, result.text(), 1)


EXERCISE_STATES: dict[str, tuple[State, str]] = {
    "passed": ("done", "passed"),
    "fail": ("failed", "not passing yet"),
    "not-started": ("started", "not started"),
    "new": ("new", "to do"),
}


def build_outline(course: Course, store: ProgressStore) -> list[OutlineItem]:
    """Each lesson in order, followed by its quizzes and the exercises placed `after` it."""
    history = histories(store.answers("quiz"))
    exercises = sorted(course.exercises.values(), key=lambda e: order(e.id))
    lesson_ids = {lesson.id for lesson in course.lessons}
    items: list[OutlineItem] = []
    for lesson in course.lessons:
        items.append(_lesson_item(store, lesson))
        items += [_quiz_item(quiz, history) for quiz in course.quizzes_for(lesson.id)]
        items += [_exercise_item(store, e.id, e.title) for e in exercises if e.after == lesson.id]
    # Exercises whose lesson is missing (a broken lesson file) still get listed, at the end.
    items += [_exercise_item(store, e.id, e.title) for e in exercises if e.after not in lesson_ids]
    return items


def _exercise_item(store: ProgressStore, exercise_id: str, title: str) -> OutlineItem:
    status = store.exercise_status(exercise_id)
    state, detail = EXERCISE_STATES.get(status, ("started", "checked"))
    if status == "passed" and (store.latest_check(exercise_id) or {}).get("status") != "pass":
        detail = "passed before; the latest check fails"
    return OutlineItem("exercise", exercise_id, exercise_label(exercise_id, title), state, detail, 1)


def exercise_label(exercise_id: str, title: str) -> str:
    """'Exercise 3: TinyCNN' for the course's numbered exercises, 'Exercise: LayerNorm' for a pack's own."""
    n = number(exercise_id)
    return f"Exercise {n}: {title}" if n is not None else f"Exercise: {title}"


def next_item(outline: list[OutlineItem]) -> OutlineItem | None:
    """What to do next: the first item in course order that is not done."""
    return next((item for item in outline if item.state != "done"), None)


def _streak(days: set[date], today: date) -> int:
    """Consecutive active days ending today (or yesterday, so a streak survives until today ends)."""
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


def standing(outline: list[OutlineItem], store: ProgressStore, today: date | None = None) -> Standing:
    answers = store.answers()
    stamps = [answer.at for answer in answers] + [record.at for record in store.check_history()]
    days = {date.fromtimestamp(at) for at in stamps}
    # items are unique within a kind only
    history = histories(answer._replace(item=f"{answer.kind}:{answer.item}") for answer in answers)
    result = score(list(history), history)
    passed = sum(item.kind == "exercise" and item.state == "done" for item in outline)
    return Standing(
        done=sum(item.state == "done" for item in outline),
        total=len(outline),
        streak_days=_streak(days, today or date.fromtimestamp(time.time())),
        score=result.first_right + EXERCISE_POINTS * passed,
        fixed=result.fixed,
    )
