"""A notebook's code cells as the grader runs them: the exercise's class and what it needs.

Jupyter notebooks (nbformat 4) hold code cells next to experiments, plots and shell escapes. Only
the top-level statements that the class depends on are kept (its definition, the imports, helpers
and constants it names, assignments to them, transitively), in cell order, so training loops,
plotting and the like never run in the grader. IPython syntax (line magics, `!shell`, `obj?`) is
replaced by `pass` in place, so that a cell's line numbers stay its own; cell magics other than
%%time and %%capture make a cell no Python at all. Every line of the result is mapped back to its
cell: `In [3], line 2` (`cell 5, line 2` for a cell that never ran).
"""

from __future__ import annotations

import ast
import json
import re
import symtable
from collections.abc import Sequence
from dataclasses import dataclass

from grader.sources.syntax import parse

# lines IPython transforms, which Python could not parse: a magic or shell escape (also assigned,
# `files = !ls`) and help (`obj?`, `??obj`); each becomes `pass` in place
IPYTHON_LINE = re.compile(r"^\s*(?:[%!]|[\w.]+\s*=\s*[%!]|\?{1,2}[\w.]+\s*$|[\w.]+\?{1,2}\s*$)")
CELL_MAGICS_RUNNING_PYTHON = ("time", "capture")
# top-level statements the parent analyses (about 0.2 ms each): a notebook of 400,000 one-line
# statements held the grader for 39 s; real notebooks have hundreds
MAX_STATEMENTS = 5_000
MAX_CODE = 512 * 1024  # characters of code cells the parent parses: parsing alone takes seconds per MB


class NotebookError(ValueError):
    """The file is not a notebook the grader can read (the message says why, for the learner)."""


@dataclass(frozen=True)
class Extract:
    """The Python the child runs, and where each of its lines came from."""

    text: str
    places: tuple[str, ...]  # one per line of `text`: "In [3], line 2"
    found: bool  # whether a kept statement defines the class


def notebook_cells(data: bytes) -> list[tuple[str, str]]:
    """(name, source) of each code cell of an nbformat-4 notebook, in order."""
    try:
        notebook = json.loads(data)
    except (ValueError, UnicodeDecodeError) as err:
        raise NotebookError(f"this notebook cannot be read: it is not JSON ({err})") from None
    except RecursionError:
        raise NotebookError("this notebook cannot be read: its JSON is nested too deeply to be a notebook") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError("this notebook cannot be read: it has no list of cells (nbformat 4 is needed: "
                            "open and save it in a current Jupyter)")
    cells = []
    for index, cell in enumerate(notebook["cells"], 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        count = cell.get("execution_count")
        cells.append((f"In [{count}]" if isinstance(count, int) else f"cell {index}", source))
    if sum(len(source) for _, source in cells) > MAX_CODE:
        raise NotebookError(f"this notebook holds more than {MAX_CODE // 1024} KB of code, more than the grader "
                            "reads: keep the class and what it needs in a smaller notebook or a .py file")
    return cells


def python_lines(source: str) -> list[str]:
    """A cell's lines with IPython syntax made `pass` (same indentation, same line numbers); [] for a
    cell that a cell magic makes something else than Python. A cell that parses is left as it is."""
    return _python_cell(source)[0]


def _python_cell(source: str) -> tuple[list[str], ast.Module | None]:
    """`python_lines(source)` and their syntax tree (None: it does not parse), parsed once when the cell is
    Python; the tree is of the lines joined, so that its line numbers are theirs (str.splitlines also
    splits at characters Python's tokenizer does not, such as U+2028)."""
    lines = source.splitlines()
    tree = parse("\n".join(lines))
    if tree is not None:
        return lines, tree
    lines = _ipython_as_pass(source)
    return lines, parse("\n".join(lines))


def _ipython_as_pass(source: str) -> list[str]:
    lines = source.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(maxsplit=1)
        if not magic or magic[0] not in CELL_MAGICS_RUNNING_PYTHON:
            return []
        lines[first] = ""
    return [line[:len(line) - len(line.lstrip())] + "pass" if IPYTHON_LINE.match(line) else line for line in lines]


@dataclass
class _Statement:
    cell: int
    node: ast.stmt
    binds: set[str]
    needs: set[str]
    changes: set[str]  # names whose attributes or items it assigns (`CONFIG["h"] = 64`)


def extract(cells: Sequence[tuple[str, str]], class_name: str, max_statements: int | None = MAX_STATEMENTS) -> Extract:
    """The statements of `cells` that `class_name` needs, as one Python source with its line map.

    A cell that does not parse is kept whole only when it would define the class and no other cell
    does (then the child reports its syntax error, naming the cell); otherwise, as in the kernel, it
    defined nothing, and is left out."""
    parsed = [_python_cell(source) for _, source in cells]
    lines = [cell for cell, _ in parsed]
    statements: list[_Statement] = []
    broken: dict[int, list[str]] = {}  # cells kept whole, for the syntax error the learner must see
    for i, (cell, tree) in enumerate(parsed):
        if tree is None:
            if re.search(rf"^\s*class\s+{re.escape(class_name)}\b", "\n".join(cell), re.M):
                broken[i] = cell
            continue
        if max_statements is not None and len(statements) + len(tree.body) > max_statements:
            raise NotebookError(f"this notebook has more than {max_statements:,} top-level statements, more than "
                                f"the grader reads: put class {class_name} and what it needs in a smaller notebook "
                                "or a .py file")
        statements += [_statement(i, node) for node in tree.body]
    kept = _needed(statements, class_name)
    future = [s for s in kept if isinstance(s.node, ast.ImportFrom) and s.node.module == "__future__"]
    text: list[str] = []
    places: list[str] = []
    for s in future + [s for s in kept if s not in future]:
        for line_no, line in _segment(lines[s.cell], s.node):
            text.append(line)
            places.append(f"{cells[s.cell][0]}, line {line_no}")
    defined = any(class_name in s.binds for s in kept)
    for i, cell in ({} if defined else broken).items():  # a broken cell defined nothing, where another did
        text += cell
        places += [f"{cells[i][0]}, line {n}" for n in range(1, len(cell) + 1)]
    return Extract("\n".join(text) + "\n", tuple(places), defined or bool(broken))


def _needed(statements: list[_Statement], class_name: str) -> list[_Statement]:
    """Statements binding (or changing) a needed name, and `from __future__` imports; a kept statement's
    names are needed too. Each name is followed once (a chain of 20,000 cells took minutes when every
    pass rescanned every statement)."""
    binding: dict[str, list[int]] = {}
    for i, s in enumerate(statements):
        for name in s.binds | s.changes:
            binding.setdefault(name, []).append(i)
    kept = [isinstance(s.node, ast.ImportFrom) and s.node.module == "__future__" for s in statements]
    todo = [class_name, *(name for s, keep in zip(statements, kept, strict=True) if keep for name in s.needs)]
    followed: set[str] = set()
    while todo:
        name = todo.pop()
        if name in followed:
            continue
        followed.add(name)
        for i in binding.get(name, ()):
            if not kept[i]:
                kept[i] = True
                todo += statements[i].needs
    return [s for s, keep in zip(statements, kept, strict=True) if keep]


def _statement(cell: int, node: ast.stmt) -> _Statement:
    try:
        table = symtable.symtable(ast.unparse(node), "<cell>", "exec")
    except SyntaxError:  # parses, yet does not compile (`nonlocal` at the top): the child reports it
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return _Statement(cell, node, {node.name}, set(), set())
        return _Statement(cell, node, set(), set(), set())
    binds = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    needs = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    stack = list(table.get_children())
    while stack:  # names the statement's functions and classes read (or assign) as globals
        child = stack.pop()
        stack += child.get_children()
        for symbol in child.get_symbols():
            if symbol.is_global():
                needs.add(symbol.get_name())
                if symbol.is_declared_global() and symbol.is_assigned():
                    binds.add(symbol.get_name())
    return _Statement(cell, node, binds, needs, _changed_roots(node))


def _changed_roots(node: ast.stmt) -> set[str]:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = node.targets
    roots = set()
    for target in targets:
        while isinstance(target, (ast.Attribute, ast.Subscript)):
            target = target.value
            if isinstance(target, ast.Name):
                roots.add(target.id)
    return roots


def _segment(lines: list[str], node: ast.stmt) -> list[tuple[int, str]]:
    """(line number in the cell, text) of one statement: a compound statement's whole lines (its
    decorators too); a simple one cut to its own columns (`import torch; train()` keeps the import)."""
    end = node.end_lineno or node.lineno
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.decorator_list:
        start = min(d.lineno for d in node.decorator_list)
    else:
        start = node.lineno
    chosen = [(n, lines[n - 1]) for n in range(start, end + 1)]
    if not hasattr(node, "body"):
        last_no, last = chosen[-1]
        chosen[-1] = (last_no, last.encode()[:node.end_col_offset or len(last.encode())].decode(errors="ignore"))
        first_no, first = chosen[0]
        chosen[0] = (first_no, first.encode()[node.col_offset:].decode(errors="ignore"))
    return chosen
