"""Where a batch's children run when not on the Grader's own warm zygotes: `ray_actors` runs the same
isolated workers as Ray actors, on one machine or a cluster (the optional extra `forwardlab[ray]`).

A backend implements grader.grading.Pool. May import: ray (lazily), grader.grading, grader.judging,
grader.course, grader.isolation, grader.report, grader.errors.
"""
