"""`grader`: the command line. Each command is a module in grader/commands with `register` and `run`.

Exit codes: 0 every check passed; 1 the submission failed; 2 usage error; 3 internal grader error;
130 stopped with Ctrl-C.
Usage errors print one line (what is wrong and what is valid), never a traceback.
"""

from __future__ import annotations

import _thread
import argparse
import contextlib
import importlib
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from types import FrameType

from grader.errors import UsageError

COMMANDS = ("list", "check", "watch", "hint", "init", "content", "trace", "train", "progress", "gradescope",
            "classroom", "new", "pack", "serve", "doctor")


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> Parser:
    parser = Parser(prog="grader", description="Forward Lab's grader: checks your forward() against reference PyTorch "
                                               "models.",
                    epilog="exit codes: 0 all checks passed, 1 submission failed, 2 usage error, 3 internal error, "
                           "130 stopped with Ctrl-C")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser, required=True)
    for name in COMMANDS:
        importlib.import_module(f"grader.commands.{name}_cmd").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # text that no encoder can write (a learner's, a file name's) is
        if hasattr(stream, "reconfigure"):   # shown replaced, never a crash
            stream.reconfigure(errors="replace")
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse fills FILE... before it sees options, so in `grader check 2 --json a.py b.py` the files
    # come back unparsed: they are files all the same
    if extra and isinstance(getattr(args, "files", None), list) and not any(e.startswith("-") for e in extra):
        args.files += extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        with interrupts_outside_imports():
            return int(args.run(args) or 0)
    except UsageError as err:
        print(f"grader {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - anything else is the grader's fault: say so, exit 3
        traceback.print_exc()
        print("grader: internal error (exit 3): please report this with the traceback above", file=sys.stderr)
        return 3


@contextlib.contextmanager
def interrupts_outside_imports() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt, as by default, but never inside a module being imported: C
    code that imports may swallow it (torch's NumPy set-up does, during `import torch`), and the
    grader would then carry on for as long as its jobs take. Within an import, the interrupt is asked
    for again a moment later, until it lands outside. Main thread only (where Python runs handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    retries: list[threading.Timer] = []

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if not _importing(frame):
            raise KeyboardInterrupt
        retry = threading.Timer(0.1, _interrupt_main)
        retry.daemon = True
        retry.start()
        retries.append(retry)

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        for retry in retries:  # none may land after this, on whatever handler comes next
            retry.cancel()
        signal.signal(signal.SIGINT, previous)


def _interrupt_main() -> None:
    """SIGINT to the main thread: a real signal wakes a blocking call there (a wait for a worker), which
    `_thread.interrupt_main` alone would not (the only way on Windows)."""
    if hasattr(signal, "pthread_kill"):
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
    else:
        _thread.interrupt_main()


def _importing(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        frame = frame.f_back
    return False


def run() -> None:
    """Console-script entry point. Exits without running torch's slow teardown: every write is
    already committed and flushed, so there is nothing left for it to do."""
    import os

    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `grader list | head`: the reader left; that is not the grader's fault
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 128 + 13  # the shell's convention for a process ended by SIGPIPE
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
