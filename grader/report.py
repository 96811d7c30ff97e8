"""The result schema: one Report per graded submission, one CheckResult per check.

Plain dataclasses so that the TUI and the CLI can use them without importing torch or pydantic.
`Report.to_dict()` is exactly the JSON object of the command-line contract.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Status = Literal["pass", "fail", "skip"]
ReportStatus = Literal["pass", "fail", "not-started"]

# What a learner's text (an exception message, printed output, a module or file name) may not carry into a
# report: terminal controls (ESC starts the sequences that repaint a screen: a fake green PASS), other C0
# and C1 controls but newline and tab, bidirectional overrides that reorder what is shown, lone surrogates
# (no encoder writes them: printing one crashed the text report).
UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udfff]")
# and in a one-line field (a file name: a newline in it would start a line that looks like the report's own)
UNPRINTABLE_IN_LINE = re.compile(f"{UNPRINTABLE.pattern}|[\n\t]")
ONE_LINE_FIELDS = frozenset({"exercise", "file", "status", "device", "same_as", "id", "category", "blocked_by"})


def printable(text: str, one_line: bool = False) -> str:
    """`text` safe for a terminal and any encoder: controls shown as \\xNN or \\uNNNN, lone surrogates as U+FFFD;
    `one_line`: newlines and tabs too."""
    return (UNPRINTABLE_IN_LINE if one_line else UNPRINTABLE).sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def printable_tree(value: Any) -> Any:
    """`value` (JSON-like data) with every string in it, keys included, made `printable`."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable_tree(k): printable_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(printable_tree(v) for v in value)
    return value


def _clean_strings(obj: Any) -> None:
    """Make every str field of a dataclass instance `printable` (text the learner's code may shape)."""
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, str):
            setattr(obj, f.name, printable(value, one_line=f.name in ONE_LINE_FIELDS))


# how a failing check names the known mistake the learner's output matches (grader.judging.checks)
MISTAKE_PREFIX = "Most likely: "

CATEGORIES = (
    "load", "api", "shape", "values", "batch", "grad", "purity",
    "hooks", "mode", "device", "dtype", "export", "time",
)


@dataclass
class CheckResult:
    id: str
    category: str
    status: Status
    message: str = ""
    hint: str = ""
    blocked_by: str | None = None  # a skipped check: the id of the check it waited for, which did not pass

    def __post_init__(self) -> None:
        _clean_strings(self)

    @property
    def mistake(self) -> str | None:
        """The named mistake this failure matched, if any (the rest of its "Most likely: " line)."""
        if self.status != "fail" or MISTAKE_PREFIX not in self.message:
            return None
        return self.message.split(MISTAKE_PREFIX, 1)[1].splitlines()[0].strip() or None

    @classmethod
    def from_dict(cls, data: dict) -> CheckResult:
        return cls(**{k: data.get(k, "") for k in ("id", "category", "status", "message", "hint")},
                   blocked_by=data.get("blocked_by"))


@dataclass
class Report:
    exercise: str
    file: str
    status: ReportStatus
    device: str = "cpu"
    duration_s: float = 0.0
    checks: list[CheckResult] = field(default_factory=list)
    output: str = ""  # the submission's captured stdout/stderr, truncated; not part of the JSON contract
    same_as: str | None = None  # graded once for a group of identical submissions: the file that was run

    def __post_init__(self) -> None:
        _clean_strings(self)

    @property
    def passed(self) -> int:
        return sum(c.status == "pass" for c in self.checks)

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "fail"]

    @property
    def first_failure(self) -> CheckResult | None:
        return next(iter(self.failed), None)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("output")
        if self.same_as is None:  # only a copy of another submission says which
            del data["same_as"]
        data["duration_s"] = round(self.duration_s, 3)
        for check in data["checks"]:  # only a check skipped for another's failure says which
            if check["blocked_by"] is None:
                del check["blocked_by"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        return cls(
            exercise=data["exercise"], file=data["file"], status=data["status"],
            device=data.get("device", "cpu"), duration_s=float(data.get("duration_s", 0.0)),
            checks=[CheckResult.from_dict(c) for c in data.get("checks", [])],
            output=data.get("output", ""), same_as=data.get("same_as"),
        )

    @staticmethod
    def decide(checks: list[CheckResult], not_started: bool = False) -> ReportStatus:
        """pass only when every check ran and passed; a stub that was never started is its own state."""
        if not_started:
            return "not-started"
        if checks and all(c.status == "pass" for c in checks):
            return "pass"
        return "fail"
