"""Learning modes, parent side: the pipeline trace (`trace`) and the training trace (`train`) of the
learner's own model, run in an isolated child (`run`) and compared with the reference here; both
carry `grader check`'s verdict on the file (`verdict`), so that neither flatters a wrong forward.

May import: grader.grading, grader.judging, grader.course, grader.isolation, grader.sources, grader.report,
grader.errors, grader.wording.
"""
