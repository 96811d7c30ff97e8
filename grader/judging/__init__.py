"""Judging: how an exercise is declared (`spec`), the checks every exercise gets (`standard`,
`checks`), comparing observations in torch.testing's terms (`compare`), preparing an exercise's
reference and plan (`prepare`) and judging a child's observations into a Report (`judge`).

Runs in the parent only. May import: torch, grader.isolation, grader.course, grader.report,
grader.errors.
"""
