"""Grading from a Jupyter notebook: `from grader import notebook`, then
`notebook.check("exercise2", DigitClassifier)` grades the class as this kernel defines it, in the
same isolated child as `grader check` (never in the kernel), and shows the report as HTML in the
cell's output. `%load_ext grader.notebook` does the same as a magic: `%grade exercise2 DigitClassifier`
(and puts `check` in the namespace).

The code graded is what the kernel ran, in the order it ran (IPython's input history): the class's
last definition and what it needs, as `grader check FILE.ipynb` extracts it from a saved notebook,
so a report names cells as `In [3], line 2`. A class imported from a file is graded from that file.
Importing this module is cheap: the grader loads on the first check, and stays warm for the next.
"""

from __future__ import annotations

import atexit
import inspect
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.report import Report

if TYPE_CHECKING:
    from grader.grading import Grader
    from grader.sources.source import Source

KERNEL = Path("<this kernel>")
_warm: list[Grader] = []  # the kernel's grader, started on the first check


@dataclass
class NotebookReport:
    """A check's report; Jupyter shows it as HTML, a terminal as text."""

    report: Report
    title: str = ""

    @property
    def passed(self) -> bool:
        return self.report.status == "pass"

    def _repr_html_(self) -> str:
        from grader.output.html import report_html

        return report_html(self.report, self.title)

    def __repr__(self) -> str:
        from rich.console import Console

        from grader.output.text import report_view

        console = Console(width=100, file=io.StringIO(), force_jupyter=False)
        console.print(report_view(self.report, self.title))
        return console.file.getvalue().rstrip()  # type: ignore[attr-defined]


def check(exercise: str, cls: type, *, device: str = "cpu") -> NotebookReport:
    """Grade `cls` (the class you defined for `exercise`, e.g. check("exercise2", DigitClassifier))."""
    from grader.api import resolve_exercise
    from grader.course.content import load_exercise_meta
    from grader.grading import exercise_class_name

    exercise_id = resolve_exercise(str(exercise))
    if not isinstance(cls, type):
        raise TypeError(f"check({exercise!r}, ...) needs your class itself (e.g. DigitClassifier), "
                        f"not {type(cls).__name__}")
    source = _source(cls, exercise_class_name(exercise_id))
    report = _grader().check_sources(exercise_id, [source], device=device)[0]
    try:
        title = load_exercise_meta(exercise_id).title
    except KeyError:
        title = ""
    return NotebookReport(report, title)


def _source(cls: type, class_name: str) -> Source:
    """What the child runs: the kernel's code for a class the kernel defined, else the class's file."""
    from grader.sources.source import cells_source, load_source

    shell = _shell()
    module = sys.modules.get(cls.__module__)
    if cls.__module__ == "__main__" and shell is not None:
        history = shell.history_manager.input_hist_raw
        cells = [(f"In [{n}]", text) for n, text in enumerate(history) if n and text.strip()]
        return cells_source(KERNEL, f"{cls.__name__} in this kernel", cells, class_name, "check again",
                            defined_as=cls.__name__, bounded=False)  # a long session's history, the learner's own
    file = inspect.getsourcefile(module) if module is not None else None
    if file is None:
        raise TypeError(f"{cls.__name__} has no source to grade: define it in a notebook cell or a .py file")
    return load_source(Path(file).resolve(), file, class_name)


def _shell() -> Any:
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def _grader() -> Grader:
    """The kernel's warm grader (one worker, each exercise prepared once), closed when Python exits."""
    if not _warm:
        from grader.grading import Grader

        _warm.append(Grader(jobs=1))
        atexit.register(_warm[0].close)
    return _warm[0]


def load_ipython_extension(shell: Any) -> None:
    """`%load_ext grader.notebook`: `check` in the namespace and the `%grade EXERCISE CLASS` magic."""
    shell.push({"check": check})
    shell.register_magic_function(_grade_magic(shell), "line", "grade")


def _grade_magic(shell: Any) -> Any:
    def grade(line: str) -> NotebookReport:
        """%grade EXERCISE CLASS: grade the class CLASS of this kernel as EXERCISE."""
        parts = line.split()
        if len(parts) != 2 or parts[1] not in shell.user_ns:
            raise ValueError("usage: %grade EXERCISE CLASS, e.g. %grade exercise2 DigitClassifier "
                             "(CLASS: a class this kernel defines)")
        return check(parts[0], shell.user_ns[parts[1]])
    return grade
