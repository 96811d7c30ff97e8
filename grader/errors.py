"""Errors the CLI turns into exit codes: UsageError -> 2 (one line, no traceback)."""


class UsageError(Exception):
    """A bad request from the user: unknown exercise, missing file, bad option. Exit code 2."""
