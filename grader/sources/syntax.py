"""Parsing a learner's code in the grading process, where an exception would end a whole batch.

`parse` is None for a text that does not parse, that is nested too deeply for the parser (its stack
overflows as a MemoryError, or a RecursionError), or whose tree is deeper than MAX_DEPTH: what reads
the tree afterwards (ast.dump, ast.unparse, symtable) recurses once or more per level. Callers treat
None as code that does not parse (a .py is graded alone; a notebook cell is left to the child, which
reports it).
"""

from __future__ import annotations

import ast

# levels of the syntax tree: ast.unparse, the deepest reader, reaches Python's recursion limit past
# about 350; the test submissions, solutions and the grader's own modules stay under 20
MAX_DEPTH = 200


def parse(text: str) -> ast.Module | None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return tree if _within(tree, MAX_DEPTH) else None


def _within(tree: ast.AST, limit: int) -> bool:
    """Whether no node of `tree` is more than `limit` levels down (walked level by level, without recursion)."""
    level, depth = [tree], 1
    while level:
        if depth > limit:
            return False
        level = [child for node in level for child in ast.iter_child_nodes(node)]
        depth += 1
    return True
