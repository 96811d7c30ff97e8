"""Judging one submission: the child's raw observations against the prepared reference, check by
check in declared order, into a Report. A check whose dependency did not pass is skipped, naming it.
"""

from __future__ import annotations

from grader.isolation.failure import child_failure, is_memory_error
from grader.isolation.protocol import ChildOutcome
from grader.judging.prepare import Prepared
from grader.report import CheckResult, Report


def judge(prep: Prepared, file_label: str, outcome: ChildOutcome, duration_s: float) -> Report:
    from grader.judging.checks import JudgeContext, Missing, Outcome

    loads = {str(f.get("config")): f for f in outcome.frames if f.get("kind") == "load"}
    learner = {str(f.get("id")): f for f in outcome.frames if f.get("kind") == "case"}
    crash, limit = child_failure(prep.limits, outcome, learner)
    if limit:  # what running out of memory broke is reported as the limit, not as forward's own error
        learner = {k: o for k, o in learner.items() if not is_memory_error(o.get("error"))}
        loads = {k: {**f, "error": f"{limit} ({f['error']})"} if is_memory_error(f) else f for k, f in loads.items()}
    ctx = JudgeContext(prep.exercise, prep.device, prep.cases, prep.reference, learner, loads, prep.states,
                       prep.inputs, child_failure=limit or crash, extra={"crash": crash, "limit": limit})
    results: dict[str, CheckResult] = {}
    for check in prep.checks:
        blocked = next((d for d in check.depends if results[d].status != "pass"), None)
        if blocked:
            outcome_ = Outcome.skip(f"skipped: {blocked} did not pass")
        else:
            try:
                outcome_ = check.judge(ctx)
            except Missing as gone:
                outcome_ = Outcome.skip(f"did not run: {gone}")
            except Exception as err:  # noqa: BLE001 - never a pass: an unjudgeable result fails, with the reason
                outcome_ = Outcome.fail(f"the grader could not judge this result ({type(err).__name__}: {err})")
        hint = (outcome_.hint or check.hint) if outcome_.status == "fail" else ""
        results[check.id] = CheckResult(check.id, check.category, outcome_.status, outcome_.message, hint, blocked)
    checks = list(results.values())
    not_started = results.get("load/started") is not None and results["load/started"].status == "fail" \
        and "NotImplementedError" in results["load/started"].message
    return Report(prep.exercise.id, file_label, Report.decide(checks, not_started), prep.device,
                  duration_s, checks, outcome.output)
