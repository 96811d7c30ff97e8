"""Imported by every Python process started with this folder on PYTHONPATH (tests/test_portable.py): it
removes os.fork and os.forkpty, as on Windows, so that any process of the grader that still forks fails.
Each process appends its pid and command line to $FORWARDLAB_NOFORK_LOG, so the test can see that every
one of them (the CLI, the portable supervisor, each template and child) ran without fork."""

import os
import sys

for _name in ("fork", "forkpty"):
    if hasattr(os, _name):
        delattr(os, _name)

if os.environ.get("FORWARDLAB_NOFORK_LOG"):
    with open(os.environ["FORWARDLAB_NOFORK_LOG"], "a", encoding="utf-8") as _log:
        _log.write(f"{os.getpid()} {' '.join(sys.orig_argv)}\n")
