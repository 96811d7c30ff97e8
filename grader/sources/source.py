"""A submitted file as the child runs it (`Source`), and a report told in that file's own places.

A .py file runs as it is. A notebook runs as the code extracted from it (grader.sources.notebook);
its report names cells (`In [3], line 2`) where the child named lines of the extracted code. A copy
of another submission (grader.sources.same) gets the report of the one graded, told at its own
lines and path.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.report import Report
from grader.sources.notebook import MAX_STATEMENTS, NotebookError, extract, notebook_cells
from grader.sources.same import fingerprint, line_map

# what the child says of a line of the learner's file: its syntax errors, and where an error was raised
SYNTAX_AT = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)')
RAISED_AT = re.compile(r"\bline (?P<line>\d+), in (?P<scope>[^\s:]+): ")
FINGERPRINT_MAX = 1_000_000  # characters; a bigger file is graded on its own


@dataclass(frozen=True)
class Source:
    """One submitted file: `data` is what the child runs (the file's bytes, or the code extracted
    from a notebook, whose line i came from `places[i-1]`); `problem` is why a notebook's class
    cannot load, in the notebook's words."""

    path: Path
    label: str
    data: bytes
    places: tuple[str, ...] = ()
    problem: str = ""
    extracted: bool = False  # `data` is not the file's own bytes: the child loads it from a file of its own

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    def place(self, line: int) -> str:
        return self.places[line - 1] if 0 < line <= len(self.places) else f"line {line}"

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def load_source(path: Path, label: str, class_name: str, data: bytes | None = None) -> Source:
    """The file at `path` (whose bytes are `data`, when already read); a notebook (.ipynb) as the code
    that defines `class_name`."""
    data = path.read_bytes() if data is None else data
    if path.suffix.lower() != ".ipynb":
        return Source(path, label, data)
    try:
        cells = notebook_cells(data)
    except NotebookError as err:
        return Source(path, label, b"", problem=str(err), extracted=True)
    return cells_source(path, label, cells, class_name, "save the notebook")


def cells_source(path: Path, label: str, cells: list[tuple[str, str]], class_name: str, then: str,
                 defined_as: str | None = None, bounded: bool = True) -> Source:
    """The code of `cells` (name, source) that `class_name` needs; `defined_as`: the name the cells
    give the class, when another (it is then bound to `class_name` too). `bounded`: a submitted file,
    whose statements the grader caps (notebook.MAX_STATEMENTS); a learner's own kernel history is not."""
    try:
        code = extract(cells, defined_as or class_name, MAX_STATEMENTS if bounded else None)
    except NotebookError as err:
        return Source(path, label, b"", problem=str(err), extracted=True)
    text, places = code.text, code.places
    if defined_as and defined_as != class_name and code.found:
        text, places = text + f"{class_name} = {defined_as}\n", (*places, f"{class_name} = {defined_as}")
    problem = "" if code.found else (
        f"no code cell defines class {defined_as or class_name}: define it in a code cell "
        f"(class {defined_as or class_name}(nn.Module): ...), run it and {then}")
    return Source(path, label, text.encode(), places, problem, extracted=True)


def fingerprint_text(source: Source) -> str | None:
    """What `grader.sources.same.fingerprint` compares: None for a file too big to compare, or a
    notebook that cannot load."""
    if source.problem or len(source.data) > FINGERPRINT_MAX:
        return None
    return fingerprint(source.text)


def tell(report: Report, graded: Source, graded_path: str, source: Source,
         lines: Mapping[int, int] | None = None, same_as: str | None = None) -> Report:
    """`report` (what the child said of `graded`, loaded from `graded_path`) as the report of
    `source`: its label, its path, its places. `lines` maps graded lines to `source`'s (a copy)."""
    reword = reworder(graded, graded_path, source, lines)
    checks = []
    for check in report.checks:
        message = reword(check.message)
        if source.problem and check.id == "load/class" and check.status == "fail":
            message = source.problem
        checks.append(dataclasses.replace(check, message=message))
    return dataclasses.replace(report, file=source.label, checks=checks, output=reword(report.output),
                               same_as=same_as)


def reworder(graded: Source, graded_path: str, source: Source,
             lines: Mapping[int, int] | None = None) -> Callable[[str], str]:
    """What the child said of `graded` (loaded from `graded_path`), said of `source`: its path, its
    places (a notebook's cells) and its own text of each line named."""
    def line(n: int) -> int:
        return n if lines is None else lines.get(n, n)

    def reword(text: str) -> str:
        text = SYNTAX_AT.sub(lambda m: f'File "{source.path}", {source.place(line(int(m["line"])))}'
                             if m["path"] == graded_path else m[0], text)
        text = _raised_at(text, graded, source, line)
        return text.replace(graded_path, str(source.path))
    return reword


def _raised_at(text: str, graded: Source, source: Source, line: Callable[[int], int]) -> str:
    """'line 5, in forward: y = x @ w' -> where that is in `source`, with its own text of the line."""
    out, last = [], 0
    for m in RAISED_AT.finditer(text):
        n = int(m["line"])
        said = graded.line_text(n)
        end = m.end() + len(said) if said and text.startswith(said, m.end()) else m.end()
        own = source.line_text(line(n)) if said and end > m.end() else ""
        out += [text[last:m.start()], f"{source.place(line(n))}, in {m['scope']}: {own}"]
        last = end
    return "".join(out) + text[last:]


def same_lines(graded: Source, copy: Source) -> Mapping[int, int]:
    """Line of `graded` -> the same code's line in `copy` (two sources of one fingerprint)."""
    return line_map(graded.text, copy.text)
