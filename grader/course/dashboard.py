"""The progress dashboard's numbers: what `grader progress` prints and the TUI's progress screen shows.

Statuses come from the course outline (grader.course.outline, torch- and Textual-free), so the command line,
the home screen and the dashboard always agree on what is done.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date

from grader.course import review
from grader.course.attempts import histories, score
from grader.course.content import Course, Lesson
from grader.course.outline import build_outline, lesson_position, quiz_item, standing
from grader.course.progress import Answer, ProgressStore
from grader.course.registry import order


def summary(course: Course, store: ProgressStore, today: date | None = None) -> dict:
    """Everything the dashboard shows, as plain JSON-ready data (see `grader progress --json`)."""

    today = today or date.fromtimestamp(time.time())
    outline = build_outline(course, store)
    state = {(item.kind, item.id): item.state for item in outline}
    overall = standing(outline, store, today)
    history = histories(store.answers("quiz"))
    lessons = [{"id": lesson.id, "title": lesson.title, "state": state[("lesson", lesson.id)],
                "sections_read": _sections_read(store, lesson), "sections": len(lesson.sections)}
               for lesson in course.lessons]
    quizzes = []
    order = {lesson.id: i for i, lesson in enumerate(course.lessons)}
    for quiz in sorted(course.quizzes, key=lambda q: (order.get(q.lesson, len(order)), q.id)):
        result = score([quiz_item(quiz, q.id) for q in quiz.questions], history)
        quizzes.append({"id": quiz.id, "title": quiz.title, "state": state.get(("quiz", quiz.id), "new"),
                        "questions": result.questions, "answered": result.answered,
                        "first_try_right": result.first_right, "retried": result.retried, "fixed": result.fixed,
                        "score": result.text()})
    exercises = _exercises(course, store)
    outlook = review.outlook(store, today)
    return {
        "items_done": overall.done, "items_total": overall.total, "streak_days": overall.streak_days,
        "score": overall.score, "fixed_on_retry": overall.fixed,
        "exercises_passed": sum(e["status"] == "passed" for e in exercises), "exercises_total": len(exercises),
        "time_spent_s": _time_spent(store),
        "review": {"due_today": len(outlook.due), "waiting": outlook.waiting, "retired": outlook.retired,
                   "next_due": outlook.next_due.isoformat() if outlook.next_due else None},
        "quiz_accuracy": _accuracy_by_day(store, "quiz"),
        "answers": _answer_counts(store),
        "lessons": lessons, "quizzes": quizzes, "exercises": exercises,
    }


def _sections_read(store: ProgressStore, lesson: Lesson) -> int:
    position = lesson_position(store, lesson.id)
    return position.read_of(lesson) if position else 0


def _exercises(course: Course, store: ProgressStore) -> list[dict]:
    history = defaultdict(list)
    for record in store.check_history():
        history[record.exercise].append(record)
    rows = []
    for meta in sorted(course.exercises.values(), key=lambda e: order(e.id)):
        checks = history[meta.id]
        best = max(checks, key=lambda r: (r.passed, r.at), default=None)
        rows.append({"id": meta.id, "title": meta.title, "status": store.exercise_status(meta.id),
                     "checks_run": len(checks), "best": f"{best.passed}/{best.total}" if best else None})
    return rows


def _time_spent(store: ProgressStore) -> dict[str, float]:
    """Seconds per kind of activity (lesson, quiz, exercise, trace, ...) and in total."""
    spent: dict[str, float] = defaultdict(float)
    for item, seconds in store.time_spent().items():
        spent[item.partition(":")[0]] += seconds
    return {"total": round(sum(spent.values()), 1), **{k: round(v, 1) for k, v in sorted(spent.items())}}


def _accuracy_by_day(store: ProgressStore, kind: str) -> list[dict]:
    """First tries of `kind`, grouped by the day they were given: how accuracy develops over time.
    Retries are left out: a question answered until it is right would make any day look perfect."""
    days: dict[date, list[bool]] = defaultdict(list)
    for answer in _first_tries(store.answers(kind)):
        days[date.fromtimestamp(answer.at)].append(answer.correct)
    return [{"day": day.isoformat(), "answered": len(results), "right": sum(results),
             "accuracy": round(sum(results) / len(results), 3)} for day, results in sorted(days.items())]


def _first_tries(answers: list[Answer]) -> list[Answer]:
    return [h.first for h in histories(answers).values()]


def _answer_counts(store: ProgressStore) -> dict[str, dict[str, dict[str, int]]]:
    """Per kind (quiz, predict, myth, spotter): first tries and retries, each given and right."""
    counts: dict[str, dict[str, dict[str, int]]] = {}
    by_kind: dict[str, list[Answer]] = defaultdict(list)
    for answer in store.answers():
        by_kind[answer.kind].append(answer)
    for kind, answers in by_kind.items():
        first = {id(a) for a in _first_tries(answers)}
        counts[kind] = {part: {"answered": len(group), "right": sum(a.correct for a in group)}
                        for part, group in (("first_try", [a for a in answers if id(a) in first]),
                                            ("retries", [a for a in answers if id(a) not in first]))}
    return counts
