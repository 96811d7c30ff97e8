"""The result schema: one Report per graded submission, one CheckResult per check.

Plain dataclasses so that the TUI and the CLI can use them without importing torch or pydantic.
`Report.to_dict()` is exactly the JSON object of the command-line contract.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["pass", "fail", "skip"]
ReportStatus = Literal["pass", "fail", "not-started"]

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
