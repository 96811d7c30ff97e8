"""Course packs for instructors: `scaffold` (`grader new exercise`: a new exercise as a working
example) and `selftest` (`grader pack test`: a pack's own checks, graded in one batch per exercise).

The pack format and how packs are found are grader.course.registry's; what a spec imports is
grader.authoring. May import grader.grading and everything below it.
"""
