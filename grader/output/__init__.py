"""Reports for people and machines: the terminal view (`text`), the machine formats (`formats`:
json, junit, gradescope, exercism, csv), the Gradescope autograder bundle and its runner, and the
GitHub Classroom workflow.

May import: rich, grader.grading, grader.course, grader.report, grader.errors. `gradescope_run`
runs on Gradescope with the standard library only.
"""
