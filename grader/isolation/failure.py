"""Why a child did not finish cleanly, in the learner's terms: a crash (exited early, a signal, a
forged or broken result, processes left running, report-shaped output) or a limit (time, CPU,
memory, output), each named with its value. Used by grading and by the learning modes alike.
"""

from __future__ import annotations

import os
import re
import signal as sig

from grader.isolation.protocol import ChildOutcome, Limits

# Output that imitates a verdict: a JSON/Gradescope result, a bare PASS/OK line, a check line as the
# grader prints it (a tick and a check id), a count of passed checks. Ordinary debug prints don't match.
REPORT_SHAPED = re.compile(r'"(status|result|outcome)"\s*:\s*"pass(ed)?"|"score"\s*:\s*[\d.]+'
                           r'|^\W*(pass(ed)?|ok|success|all (checks|tests) passed\W*)\W*$'
                           r'|^\s*[✓✔]\s*\w+/|\b\d+/\d+ (checks|tests) passed|^\s*exercise\d+\b.*\bpass'
                           r'|(?-i:^\W*(PASS(ED)?|OK)\b|\bPASSED\b)', re.I | re.M)
# outcomes hold POSIX wait statuses on every platform (grader.isolation.protocol), numbered as on Linux
# and macOS; Windows' signal module lacks most of these names
SIGKILL, SIGXCPU = 9, 24
CRASH_SIGNALS = {4: "SIGILL (Illegal instruction)", 6: "SIGABRT (Aborted)", 8: "SIGFPE (Floating point exception)",
                 11: "SIGSEGV (Segmentation fault)"}
CHILD_FAILED = 70  # the child's exit status when the grader's own code in it failed (grader.isolation.child.main)
ENDLESS = "an endless loop, or far too much work?"


def child_failure(limits: Limits, outcome: ChildOutcome, learner: dict) -> tuple[str | None, str | None]:
    """(crash, limit): why the child did not finish cleanly, in the learner's terms; a limit is
    named with its value. `learner` holds the observations the child delivered (case id -> dict)."""
    loads = [f for f in outcome.frames if f.get("kind") == "load"]
    cpu_limit = max(1, int(limits.cpu_s))  # what RLIMIT_CPU was set to
    limit = crash = None
    if outcome.output_exceeded:
        limit = (f"your code printed more than its output limit of {limits.output_bytes:,} bytes and was stopped: "
                 "look for a print in a loop (the start of its output is shown)")
    elif outcome.memory_exceeded:
        limit = (f"your code ran out of memory: it used more than its memory limit of {limits.memory_mb} MB and was "
                 "stopped (a huge tensor, or a list that keeps growing?)")
    # a MemoryError is the first cause, even when the wall clock ran out afterwards (filling memory up to
    # the limit is slow on a loaded machine)
    elif any(is_memory_error(o.get("error")) for o in learner.values()) or any(is_memory_error(f) for f in loads):
        limit = (f"your code ran out of memory: it tried to use more than its memory limit of {limits.memory_mb} MB "
                 "(a huge tensor, or a list that keeps growing?)")
    elif outcome.timed_out:
        limit = f"your code ran past its time limit of {limits.wall_s:g} s and was stopped ({ENDLESS})"
    elif outcome.signal == SIGXCPU or (outcome.signal == SIGKILL and outcome.cpu_s >= cpu_limit - 0.05):
        limit = f"your code used more than its CPU time limit of {cpu_limit} s and was stopped ({ENDLESS})"
    elif outcome.signal == SIGKILL:
        limit = f"your code was killed (SIGKILL): most likely it ran out of memory (limit {limits.memory_mb} MB)"
    elif outcome.output_bytes > limits.output_bytes:
        limit = (f"your code printed {outcome.output_bytes:,} bytes, more than its output limit of "
                 f"{limits.output_bytes:,} (output truncated)")
    if outcome.worker_lost:
        crash = "your code took down the grading worker process"
    elif outcome.signal not in (None, SIGKILL, SIGXCPU):
        crash = f"your code crashed with signal {_signal_words(outcome.signal)}"
    elif outcome.frame_error:
        crash = outcome.frame_error
    elif outcome.leftover:
        crash = (f"your code started {outcome.leftover} process(es) that were still running when it ended "
                 "(they were stopped): forward must not start processes that outlive it")
    elif outcome.exit_code == CHILD_FAILED and not limit:
        crash = f"the grading process could not record your results ({_last_line(outcome.output)}): " \
                "did your code change the grader's or torch's functions?"
    elif not outcome.finished and not limit:
        crash = (f"your code exited early (exit status {outcome.exit_code}) before the checks finished: "
                 "don't call exit(), sys.exit() or os._exit(), and don't kill processes")
    elif REPORT_SHAPED.search(outcome.output):
        crash = "your code printed something that looks like a grader report: printing a result is not passing it"
    return crash, limit


def _signal_words(number: int) -> str:
    """"SIGSEGV (Segmentation fault)": the name and description of a POSIX signal number."""
    if os.name == "posix":
        try:
            return f"{sig.Signals(number).name} ({sig.strsignal(number)})"
        except ValueError:  # a real-time signal, say
            pass
    return CRASH_SIGNALS.get(number, f"number {number}")


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no error was printed"


def is_memory_error(error: dict | str | None) -> bool:
    if isinstance(error, dict):  # a load report holds its error as text; an observation as type and message
        error = error.get("error") if error.get("kind") == "load" else f"{error.get('type')}: {error.get('message')}"
    return isinstance(error, str) and ("MemoryError" in error or "can't allocate memory" in error
                                       or "not enough memory" in error.lower())
