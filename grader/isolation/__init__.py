"""The process boundary: the learner's code runs here, in a limited child, never in the judge.

Parent side: `worker` (starts zygotes, hands them jobs), `submission` (reads a submission as its
learner could), `frames` (reads what a child leaves, as untrusted input, against a schema),
`failure` (why a child did not finish, in the learner's terms), `protocol` (limits and outcomes).
Both sides: `wire` (the results' format: JSON and raw tensor bytes, decoded within hard limits).
Zygote and child side: `zygote` (imports torch once, forks a child per job), `uids` (a fresh uid
per job, as root, cleared after it), `child` (isolates itself, loads the learner's file, runs the
plan), `jail` (private mounts, Landlock, seccomp where the kernel has them), `runner` (one forward
call, observed), `stages` and `training` (the learning modes' child side), `constructors`,
`system` (Linux process helpers). See docs/threat-model.md.

May import: torch, the standard library, grader.errors. The child's modules (child, jail, runner,
stages, training, constructors, system, uids, wire) import only torch, the standard library and each
other: no judging, no references, no course content can be reached from the learner's process.
"""
