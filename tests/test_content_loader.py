"""The content loader: each schema rule rejects a broken file with the exact `file:line: path: message`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.course.content import (
    ContentError,
    Problem,
    check_content,
    default_content_dir,
    load_course,
    load_exercise_meta,
)
from grader.course.content.schema import json_schema

LESSON = """\
kind: lesson
id: demo
title: Demo
summary: A tiny lesson.
order: 1
sections:
  - id: intro
    title: Intro
    body: Hello.
    myths:
      - id: myth-a
        belief: b
        verdict: myth
        reality: r
        why_it_matters: w
  - id: bugs
    title: Bugs
    pitfalls:
      - id: pit-a
        title: t
        wrong_code: "x = 1\\ny = 2"
        correct_code: "x = 1"
        root_cause: r
        bug_line: 2
"""

QUIZ = """\
kind: quiz
id: demo-quiz
title: Demo quiz
lesson: demo
questions:
  - id: q1
    prompt: Pick one.
    section: demo#intro
    covers: [myth-a]
    options:
      - {text: 'yes', correct: true, explanation: right}
      - {text: 'no', explanation: wrong}
"""

EXERCISE = """\
kind: exercise
id: exercise1
title: One
summary: The first.
description: Do it.
lessons: [demo, demo#bugs]
after: demo
hints: [a, b, c]
"""

SPOTTER = """\
kind: spotter
id: demo-spot
title: Spot it
section: demo#bugs
snippets:
  - id: s1
    code: "a = 1\\nb = 2\\n"
    bug_line: 2
    explanation: e
    fix: f
    pitfall: pit-a
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def problems(root: Path, files: dict[str, str]) -> list[str]:
    return [str(p) for p in load_course([write(root, files)]).problems]


def valid(**override: str) -> dict[str, str]:
    files = {"lessons/demo.yaml": LESSON, "quizzes/demo.yaml": QUIZ,
             "exercises/exercise1.yaml": EXERCISE, "spotters/demo.yaml": SPOTTER}
    files.update(override)
    return files


def test_valid_pack_loads(tmp_path: Path) -> None:
    course = load_course([write(tmp_path, valid())])
    assert course.problems == []
    assert course.summary() == "1 lesson, 1 quiz (1 question), 1 exercise"
    assert course.section("demo#bugs")[1].pitfalls[0].bug_line == 2
    assert course.quizzes_for("demo")[0].id == "demo-quiz"
    assert course.spotters_for("demo")[0].snippets[0].pitfall == "pit-a"
    assert course.exercise("exercise1").limits.time_s == 20


def test_problem_format() -> None:
    assert str(Problem("a.yaml", 3, "sections.0.id", "bad")) == "a.yaml:3: sections.0.id: bad"
    assert str(Problem("a.yaml", 1, "", "bad")) == "a.yaml:1: bad"


@pytest.mark.parametrize(("old", "new", "expected"), [
    # unknown key: the line of the key itself
    ("    body: Hello.\n", "    body: Hello.\n    bodyy: typo\n", ":10: sections.0.bodyy: unknown key 'bodyy'"),
    # wrong type
    ("order: 1\n", "order: first\n", ":5: order: Input should be a valid integer"),
    # missing field: the line of the mapping that lacks it
    ("        reality: r\n", "", ":11: sections.0.myths.0.reality: missing required field"),
    # bug_line beyond the wrong code
    ("        bug_line: 2\n", "        bug_line: 3\n", ":24: sections.1.pitfalls.0.bug_line: line 3 is outside"),
    # slug ids
    ("id: demo\n", "id: Demo_1\n", ":2: id: String should match pattern"),
    # duplicate section ids
    ("  - id: bugs\n", "  - id: intro\n", ":6: sections: duplicate section id 'intro'"),
])
def test_lesson_rules(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in LESSON
    found = problems(tmp_path, valid(**{"lessons/demo.yaml": LESSON.replace(old, new)}))
    assert len(found) >= 1
    assert found[0].startswith(str(tmp_path / "lessons/demo.yaml") + expected), found


def test_predict_answer_out_of_range(tmp_path: Path) -> None:
    predict = ("    predict:\n      question: Which?\n      options: [{text: a, explanation: x},"
               " {text: b, explanation: y}, {text: c, explanation: z}]\n"
               "      answer: 3\n      explanation: because\n")
    lesson = LESSON.replace("    body: Hello.\n", "    body: Hello.\n" + predict)
    found = problems(tmp_path, valid(**{"lessons/demo.yaml": lesson}))
    assert found[:1] == [f"{tmp_path}/lessons/demo.yaml:13: sections.0.predict.answer: "
                     "answer 3 is out of range: there are 3 options (0-based)"]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("      - {text: 'no', explanation: wrong}\n", "      - {text: 'no', correct: true, explanation: wrong}\n",
     ":6: questions.0.multiple: a single-answer question needs exactly 1 correct option, found 2"),
    ("    prompt: Pick one.\n", "    prompt: Pick one.\n    multiple: true\n",
     ":8: questions.0.multiple: a multiple-answer question needs at least 2 correct options, found 1"),
    ("      - {text: 'no', explanation: wrong}\n", "",
     ":10: questions.0.options: List should have at least 2 items"),
    ("    section: demo#intro\n", "    section: demo#nowhere\n",
     ":8: questions.0.section: lesson 'demo' has no section 'nowhere'"),
    ("lesson: demo\n", "lesson: ghost\n", ":4: lesson: unknown lesson 'ghost'"),
    ("covers: [myth-a]", "covers: [myth-a, myth-z]",
     ":9: questions.0.covers.1: lesson 'demo' has no myth or pitfall 'myth-z'"),
    ("    prompt: Pick one.\n", "    prompt: Pick one.\n    difficulty: brutal\n",
     ":8: questions.0.difficulty: Input should be 'easy', 'medium' or 'hard'"),
])
def test_quiz_rules(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in QUIZ
    found = problems(tmp_path, valid(**{"quizzes/demo.yaml": QUIZ.replace(old, new)}))
    assert len(found) == 1 and found[0].startswith(str(tmp_path / "quizzes/demo.yaml") + expected), found


def test_unquoted_yes_is_explained(tmp_path: Path) -> None:
    found = problems(tmp_path, valid(**{"quizzes/demo.yaml": QUIZ.replace("'yes'", "yes")}))
    assert found == [f"{tmp_path}/quizzes/demo.yaml:11: questions.0.options.0.text: Input should be a valid "
                     "string (YAML read a boolean: quote yes/no/on/off/true/false)"]


def test_too_many_options(tmp_path: Path) -> None:
    extra = "      - {text: more, explanation: x}\n" * 5
    quiz = QUIZ + extra
    found = problems(tmp_path, valid(**{"quizzes/demo.yaml": quiz}))
    assert found == [f"{tmp_path}/quizzes/demo.yaml:10: questions.0.options: "
                     "List should have at most 6 items after validation, not 7"]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    bug_line: 2\n", "    bug_line: 5\n", ":8: snippets.0.bug_line: line 5 is outside the 2-line code"),
    ("    pitfall: pit-a\n", "    pitfall: pit-z\n", ":11: snippets.0.pitfall: lesson 'demo' has no pitfall 'pit-z'"),
    ("section: demo#bugs\n", "section: demo#gone\n", ":4: section: lesson 'demo' has no section 'gone'"),
    ("    fix: f\n", "    fix: f\n    options: [1]\n", ":11: snippets.0.options: Value error, options must include"),
])
def test_spotter_rules(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in SPOTTER
    found = problems(tmp_path, valid(**{"spotters/demo.yaml": SPOTTER.replace(old, new)}))
    assert len(found) == 1 and found[0].startswith(str(tmp_path / "spotters/demo.yaml") + expected.replace(
        "Value error, ", "")), found


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("hints: [a, b, c]\n", "hints: [a, b]\n", ":8: hints: List should have at least 3 items"),
    ("lessons: [demo, demo#bugs]\n", "lessons: [demo, demo#nope]\n",
     ":6: lessons.1: lesson 'demo' has no section 'nope'"),
    ("hints: [a, b, c]\n", "hints: [a, b, c]\nlimits: {time_s: -1}\n", ":9: limits.time_s: Input should be greater"),
    ("after: demo\n", "after: ghost\n", ":7: after: unknown lesson 'ghost'"),
    ("after: demo\n", "", ":1: after: missing required field"),
    ("id: exercise1\n", "id: exercise2\n", ":2: id: exercise id 'exercise2' must match its file name"),
])
def test_exercise_rules(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in EXERCISE
    found = problems(tmp_path, valid(**{"exercises/exercise1.yaml": EXERCISE.replace(old, new)}))
    assert len(found) == 1 and found[0].startswith(str(tmp_path / "exercises/exercise1.yaml") + expected), found


@pytest.mark.parametrize(("text", "expected"), [
    ("kind: quiz\nid: q\ntitle: [unclosed\n", ":3: malformed YAML"),
    ("kind: lesson\nid: x\n  bad: indent\n", ":3: malformed YAML"),
    ("", ":1: expected a mapping"),
    ("- a\n- b\n", ":1: expected a mapping"),
    ("id: x\ntitle: y\n", ":1: kind: missing `kind:`"),
    ("title: y\nkind: essay\n", ":2: kind: unknown kind 'essay'"),
    ("kind: lesson\n---\nkind: quiz\n", ":2: malformed YAML"),
])
def test_file_level_problems(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(tmp_path, valid(**{"lessons/extra.yaml": text}))
    assert len(found) == 1 and found[0].startswith(str(tmp_path / "lessons/extra.yaml") + expected), found


def test_an_exercise_is_listed_after_every_lesson_it_needs(tmp_path: Path) -> None:
    later = LESSON.replace("id: demo", "id: later").replace("order: 1", "order: 2")
    needs_later = EXERCISE.replace("lessons: [demo, demo#bugs]", "lessons: [demo, later#bugs]")
    found = problems(tmp_path, valid(**{"lessons/later.yaml": later, "exercises/exercise1.yaml": needs_later}))
    assert found == [f"{tmp_path}/exercises/exercise1.yaml:7: after: listed after lesson 'demo', but it needs "
                     "lesson 'later', which comes later: name that lesson or a later one"]
    fixed = needs_later.replace("after: demo", "after: later")
    assert problems(tmp_path / "fixed", valid(**{"lessons/later.yaml": later, "exercises/exercise1.yaml": fixed})) == []


def test_undecodable_file(tmp_path: Path) -> None:
    write(tmp_path, valid())
    (tmp_path / "lessons/latin1.yaml").write_bytes(b"kind: lesson\nid: x\ntitle: caf\xe9\n")
    assert [str(p) for p in load_course([tmp_path]).problems] == [
        f"{tmp_path}/lessons/latin1.yaml:3: not UTF-8 text (byte 0xe9)"]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    found = problems(tmp_path, valid(**{"lessons/zz-copy.yaml": "# a copy\n" + LESSON}))
    assert found == [f"{tmp_path}/lessons/zz-copy.yaml:3: id: duplicate lesson id 'demo' "
                     f"(first defined at {tmp_path}/lessons/demo.yaml:2)"]


def test_all_problems_reported_and_the_rest_loads(tmp_path: Path) -> None:
    files = valid(**{
        "lessons/broken.yaml": "kind: lesson\nid: broken\ntitle: [\n",
        "quizzes/demo.yaml": QUIZ.replace("lesson: demo\n", "lesson: ghost\n").replace("demo#intro", "demo#nope"),
        "exercises/exercise2.yaml": EXERCISE.replace("exercise1", "exercise2").replace("hints: [a, b, c]", "hints: []"),
    })
    course = load_course([write(tmp_path, files)])
    assert [p.file.rsplit("/", 2)[-2] for p in course.problems] == ["exercises", "lessons", "quizzes", "quizzes"]
    assert [lesson.id for lesson in course.lessons] == ["demo"]
    assert list(course.exercises) == ["exercise1"]
    assert course.quiz("demo-quiz").lesson == "ghost"  # loaded; its references are reported


def test_env_var_adds_a_content_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = write(tmp_path / "pack", {"lessons/extra.yaml": LESSON.replace("id: demo", "id: extra-demo"),
                                     "exercises/exercise99.yaml": EXERCISE.replace("exercise1", "exercise99")
                                     .replace("[demo, demo#bugs]", "[extra-demo#bugs]")
                                     .replace("after: demo", "after: extra-demo")})
    monkeypatch.setenv("FORWARDLAB_CONTENT_PATH", str(pack))
    course = load_course()
    assert course.problems == []
    assert "extra-demo" in [lesson.id for lesson in course.lessons]
    assert load_exercise_meta("exercise99").title == "One"


def test_load_exercise_meta(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = write(tmp_path, {"exercises/exercise77.yaml": EXERCISE.replace("exercise1", "exercise77")
                            .replace("hints: [a, b, c]", "hints: [a]")})
    monkeypatch.setenv("FORWARDLAB_CONTENT_PATH", str(pack))
    with pytest.raises(KeyError):
        load_exercise_meta("exercise404")
    with pytest.raises(KeyError):
        load_exercise_meta("../lessons/x")
    with pytest.raises(ContentError) as err:
        load_exercise_meta("exercise77")
    assert str(err.value) == f"{pack}/exercises/exercise77.yaml:8: hints: List should have at least 3 items " \
                             "after validation, not 1"


def test_check_content_output(tmp_path: Path) -> None:
    pack = write(tmp_path / "ok", {"exercises/exercise50.yaml": EXERCISE.replace("exercise1", "exercise50")
                                   .replace("lessons: [demo, demo#bugs]", "lessons: [forward-method]")
                                   .replace("after: demo", "after: forward-method")})
    code, text = check_content(pack)
    assert (code, text) == (0, "0 lessons, 0 quizzes (0 questions), 1 exercise")
    bad = write(tmp_path / "bad", valid(**{"quizzes/demo.yaml": QUIZ.replace("lesson: demo", "lesson: ghost")}))
    code, text = check_content(bad)
    assert code == 1
    assert text.splitlines() == [f"{bad}/quizzes/demo.yaml:4: lesson: unknown lesson 'ghost'",
                                 f"{bad}/quizzes/demo.yaml:5: questions: a quiz needs at least 12 questions to "
                                 "measure anything, found 1",
                                 "1 lesson, 1 quiz (1 question), 1 exercise"]
    assert check_content(tmp_path / "missing")[0] == 2


def test_schema_json_is_up_to_date() -> None:
    import json

    committed = json.loads((default_content_dir() / "schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "regenerate: python -c 'from grader.course.content import *; " \
                                       "write_json_schema(default_content_dir() / \"schema.json\")'"


# --- authoring rules: what `grader content check` adds to loading -----------------------------

def quiz_text(n: int = 12, *, key: object = None, quiz_id: str = "demo-quiz", lesson: str = "demo",
              section: str = "demo#intro") -> str:
    """A quiz of n single-answer questions with 3 options each; the right answer rotates over the
    positions unless `key` (a function of the question number) places it."""
    lines = [f"kind: quiz\nid: {quiz_id}\ntitle: Demo quiz\nlesson: {lesson}\nquestions:\n"]
    for i in range(n):
        right = key(i) if callable(key) else i % 3
        lines.append(f"  - id: q{i}\n    prompt: Question {i}?\n    section: {section}\n    options:\n")
        for j in range(3):
            flag = ", correct: true" if j == right else ""
            lines.append(f"      - {{text: 'option {j}'{flag}, explanation: 'why {j} of {i}'}}\n")
    return "".join(lines)


def check_lines(root: Path, files: dict[str, str]) -> list[str]:
    code, text = check_content(write(root, files))
    return text.splitlines()[:-1] if code else []


def test_a_pack_that_follows_the_rules_passes(tmp_path: Path) -> None:
    assert check_content(write(tmp_path, valid(**{"quizzes/demo.yaml": quiz_text()}))) == (
        0, "1 lesson, 1 quiz (12 questions), 1 exercise")


def test_rule_quiz_size(tmp_path: Path) -> None:
    assert check_lines(tmp_path, valid()) == [
        f"{tmp_path}/quizzes/demo.yaml:5: questions: a quiz needs at least 12 questions to measure anything, found 1"]


def test_rule_answer_positions_balanced(tmp_path: Path) -> None:
    # 12 questions, right answer A in 8 of them: reported at the last one, on its option's line
    found = check_lines(tmp_path, valid(**{"quizzes/demo.yaml": quiz_text(key=lambda i: 0 if i % 2 else i % 3)}))
    assert found == [f"{tmp_path}/quizzes/demo.yaml:87: questions.11.options.0.correct: option A is the right "
                     "answer of 8 of the 12 single-answer questions (67%); at most 35% may share a position: move "
                     "some right answers to other positions"]


def predict_lesson(answers: list[int]) -> str:
    sections = "".join(
        f"  - id: s{i}\n    title: S{i}\n    predict:\n      question: Q{i}?\n      options:\n"
        + "".join(f"        - {{text: o{j}, explanation: e{j}}}\n" for j in range(3))
        + f"      answer: {a}\n      explanation: because\n" for i, a in enumerate(answers))
    return LESSON.replace("sections:\n", "sections:\n" + sections)


def test_rule_prediction_answers_balanced(tmp_path: Path) -> None:
    balanced = check_lines(tmp_path / "ok", valid(**{"lessons/demo.yaml": predict_lesson([0, 1, 2] * 4),
                                                    "quizzes/demo.yaml": quiz_text()}))
    assert balanced == []
    found = check_lines(tmp_path / "bad", valid(**{"lessons/demo.yaml": predict_lesson([1] * 6 + [0, 2] * 2),
                                                  "quizzes/demo.yaml": quiz_text()}))
    assert len(found) == 1 and found[0].startswith(
        f"{tmp_path}/bad/lessons/demo.yaml:65: sections.5.predict.answer: option B is the answer of 6 of the 10 "
        "predictions (60%); at most 45%"), found


def test_rule_balance_needs_a_sample(tmp_path: Path) -> None:
    # nine predictions, all B: too few to call unbalanced
    assert check_lines(tmp_path, valid(**{"lessons/demo.yaml": predict_lesson([1] * 9),
                                          "quizzes/demo.yaml": quiz_text()})) == []


def test_rule_code_width_names_the_line(tmp_path: Path) -> None:
    wide = "x = " + "1 + " * 22 + "1"  # 93 characters
    lesson = LESSON.replace("    body: Hello.\n", f"    body: Hello.\n    code:\n      - code: |\n          a = 1\n"
                                                  f"          {wide}\n")
    found = check_lines(tmp_path, valid(**{"lessons/demo.yaml": lesson, "quizzes/demo.yaml": quiz_text()}))
    assert found == [f"{tmp_path}/lessons/demo.yaml:13: sections.0.code.0.code: code line 2 is 93 characters; "
                     "at most 88 fit a terminal"]


def test_rule_every_option_explains_itself(tmp_path: Path) -> None:
    quiz = quiz_text().replace("explanation: 'why 2 of 4'", "explanation: 'Why 0 of 4'")
    found = check_lines(tmp_path, valid(**{"quizzes/demo.yaml": quiz}))
    assert found == [f"{tmp_path}/quizzes/demo.yaml:40: questions.4.options.2.explanation: the same explanation as "
                     "option A: say why this option in particular is right or wrong"]


def test_rules_apply_to_instructor_packs_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from grader.cli import main

    pack = write(tmp_path, {"lessons/extra.yaml": LESSON.replace("id: demo", "id: extra-demo"),
                            "quizzes/extra.yaml": QUIZ.replace("lesson: demo", "lesson: extra-demo")
                            .replace("demo#intro", "extra-demo#intro")})
    assert main(["content", "check", str(pack)]) == 1
    out = capsys.readouterr().out
    assert f"{pack}/quizzes/extra.yaml:5: questions: a quiz needs at least 12 questions" in out


def test_myth_cards_say_myth_or_fact(tmp_path: Path) -> None:
    found = problems(tmp_path, valid(**{"lessons/demo.yaml": LESSON.replace("        verdict: myth\n", "")}))
    assert found[0] == f"{tmp_path}/lessons/demo.yaml:11: sections.0.myths.0.verdict: missing required field"
    found = problems(tmp_path, valid(**{"lessons/demo.yaml": LESSON.replace("verdict: myth", "verdict: maybe")}))
    assert found[0] == f"{tmp_path}/lessons/demo.yaml:13: sections.0.myths.0.verdict: Input should be 'myth' or 'fact'"
