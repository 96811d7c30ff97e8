"""Judging: how an exercise is declared (`spec`), the checks every exercise gets (`standard`,
`gradients`, `checks`), comparing observations in torch.testing's terms (`compare`), naming the
likely mistake (`diagnosis`, `explain`), preparing an exercise's probes, reference and plan
(`prepare`), judging a child's observations into a Report (`judge`), and mutants of a solution for the
mutation gate (`mutants`).

Runs in the parent only. May import: torch, grader.isolation, grader.course, grader.report,
grader.errors.
"""
