"""The course: content packs (YAML lessons, quizzes, spotters, exercise metadata; `content`),
finding exercises in packs (`registry`), the learner's workspace, progress store (SQLite), first tries
and retries with the shuffled order of options (`attempts`), review schedule, course outline and
progress dashboard.

Never imports torch at import time (the TUI uses it directly). May import: pydantic, yaml,
platformdirs, grader.report, grader.errors.
"""
