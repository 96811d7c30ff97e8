"""Submissions that are the same code: equal once comments, docstrings, layout and the names of
functions' local variables are set aside (compared as syntax trees), so that a class's copies are
graded once. Only what cannot change behaviour is set aside: attribute, parameter, class and global
names stay (the grader reads them), and code that can read its own variables by name (eval, exec,
locals, vars, frames...) keeps its local names too.
"""

from __future__ import annotations

import ast
import hashlib

from grader.sources.syntax import parse

# reading variables by name: renaming them could change what such code does
DYNAMIC = frozenset({"eval", "exec", "locals", "vars", "globals", "compile", "__import__", "f_locals",
                     "f_globals", "sys", "inspect"})
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def canonical_tree(text: str) -> ast.Module | None:
    """The syntax tree with docstrings dropped and local variables renamed in order of binding
    (`<0>`, `<1>`: names no source can hold); None when the text does not parse."""
    tree = parse(text)
    if tree is None:
        return None
    for node in ast.walk(tree):
        _drop_docstring(node)
    if not any(map(_reads_scopes, ast.walk(tree))):
        _rename_locals(tree)
    return tree


def _reads_scopes(node: ast.AST) -> bool:
    """Whether the node may read variables by name, or rebind another scope's (global, nonlocal)."""
    return (isinstance(node, ast.Name) and node.id in DYNAMIC) or \
        (isinstance(node, ast.Attribute) and node.attr in DYNAMIC) or isinstance(node, (ast.Global, ast.Nonlocal))


def fingerprint(text: str) -> str | None:
    """Equal for the same code; None when the text does not parse (such a file is graded alone)."""
    tree = canonical_tree(text)
    return None if tree is None else hashlib.sha256(ast.dump(tree).encode()).hexdigest()


def line_map(graded: str, copy: str) -> dict[int, int]:
    """Line of `graded` -> the line of `copy` where the same code is (two texts of one fingerprint)."""
    mapping: dict[int, int] = {}
    a, b = canonical_tree(graded), canonical_tree(copy)
    if a is None or b is None:
        return mapping
    for x, y in zip(ast.walk(a), ast.walk(b), strict=False):
        for attr in ("lineno", "end_lineno"):
            if isinstance(getattr(x, attr, None), int) and isinstance(getattr(y, attr, None), int):
                mapping.setdefault(getattr(x, attr), getattr(y, attr))
    return mapping


def _drop_docstring(node: ast.AST) -> None:
    body = getattr(node, "body", None)
    if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body and \
            isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and \
            isinstance(body[0].value.value, str):
        node.body = body[1:] or [ast.Pass(lineno=body[0].lineno, col_offset=0, end_lineno=body[0].lineno,
                                          end_col_offset=0)]


def _rename_locals(tree: ast.AST) -> None:
    """Rename each function's own local variables (`<0>`, `<1>`... in order of binding): only those
    that no nested function, lambda, class or comprehension mentions, so that every renamed name
    lives in one scope and renaming it cannot change what any name refers to."""
    for func in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        own, nested = _scopes(func)
        shared = {name for node in nested for name in _identifiers(node)}
        names = [name for name in _own_locals(func, own) if name not in shared]
        order = {name: f"<{i}>" for i, name in enumerate(names)}
        for node in own:
            if isinstance(node, ast.Name) and node.id in order:
                node.id = order[node.id]


def _own_locals(func: ast.FunctionDef | ast.AsyncFunctionDef, own: list[ast.AST]) -> list[str]:
    """Variables the function binds with a plain name (assignment, for, with), in order; not its
    parameters, nor names it declares global or nonlocal or also binds otherwise (import, except as)."""
    args = func.args
    other = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a}
    stored: list[str] = []
    for node in own:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            if node.id not in stored:
                stored.append(node.id)
        elif not isinstance(node, ast.Name):
            other.update(_identifiers(node))
    return [name for name in stored if name not in other]


def _scopes(func: ast.AST) -> tuple[list[ast.AST], list[ast.AST]]:
    """(the nodes of the function's own scope, the nodes of every scope nested in it)."""
    own: list[ast.AST] = []
    nested: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(func))
    while stack:
        node = stack.pop()
        if isinstance(node, (*SCOPES, *COMPREHENSIONS)):
            nested += ast.walk(node)
            continue
        own.append(node)
        stack += ast.iter_child_nodes(node)
    return own, nested


def _identifiers(node: ast.AST) -> set[str]:
    """Every name a node spells: variables, parameters, keywords, imports, declarations, patterns."""
    names = {getattr(node, field) for field in ("id", "arg", "name", "asname", "rest")
             if isinstance(getattr(node, field, None), str)}
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        names.update(node.names)
    if isinstance(node, ast.alias):
        names.add(node.name.split(".")[0])
    return names
