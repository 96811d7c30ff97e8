"""The public API for writing exercises: what a course pack's `specs/ID.py` imports.

This module is the stable surface for instructors (docs/authoring.md documents every name): names
here are only added to, never renamed or removed without a major version, while everything else
in `grader` may change. A spec imports from here, never from grader.judging or grader.isolation.

Declaring an exercise:
- `Exercise`: the base class. Set `id`, `class_name`, `configs` (and the optional class attributes
  documented on it), and define `reference(config)` and `inputs(config, batch, gen, variant)`.
- `Config` (how the learner's class is constructed), `Inputs` (the arguments of one forward call),
  `Mistake` (a known wrong forward, named when the learner's output matches it), `CaseSpec` (one
  forward call the grader makes, for `value_cases`).
- `randn(gen, *shape)`: seeded inputs; `spread_batchnorm(module)`: BatchNorm statistics that show;
  `materialize(kwargs)`: a config's module arguments (`{"__build__": "module:function", "args": [...]}`,
  built where the model is) as objects, for `reference`.
- `SpecError`: raise it for an exercise declared wrongly.

Checks of an exercise's own (`extra_checks`, `early_checks`):
- `CheckDef(id, category, depends, cases, judge, hint)`, judged with a `JudgeContext` into an
  `Outcome` (`Outcome.ok(...)`, `Outcome.fail(..., hint)`, `Outcome.skip(...)`);
- `values_check(...)`: a check that some cases match the reference; `all_cases`, `compare_case`,
  `case_error` (the pieces it is made of), `mismatch` (compare two outputs in torch.testing's terms),
  `error_text` (word an error the learner's forward raised);
- `CATEGORIES`: the check categories of the command-line contract.
"""

from grader.isolation.child import materialize
from grader.isolation.plain import error_text
from grader.judging.checks import (
    CheckDef,
    JudgeContext,
    Outcome,
    all_cases,
    case_error,
    compare_case,
    values_check,
)
from grader.judging.compare import mismatch
from grader.judging.spec import (
    CaseSpec,
    Config,
    Exercise,
    Inputs,
    Mistake,
    SpecError,
    mlp,
    probe,
    randn,
    spread_batchnorm,
)
from grader.report import CATEGORIES

__all__ = [
    "CATEGORIES", "CaseSpec", "CheckDef", "Config", "Exercise", "Inputs", "JudgeContext", "Mistake", "Outcome",
    "SpecError", "all_cases", "case_error", "compare_case", "error_text", "materialize", "mismatch", "mlp", "probe",
    "randn", "spread_batchnorm", "values_check",
]
