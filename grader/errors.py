"""Errors the CLI turns into exit codes: UsageError -> 2 (one line, no traceback)."""


class UsageError(Exception):
    """A bad request from the user: unknown exercise, missing file, bad option. Exit code 2."""


class PackError(UsageError):
    """A course pack that cannot be used as it is: a spec that does not import or declares its
    exercise wrongly, a reference that fails, a clashing id, a missing file. The message is one
    `file:line: what is wrong` line (without `:line` where there is none); exit code 2."""
