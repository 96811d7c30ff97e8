"""The process boundary: the learner's code runs here, in a limited child, never in the judge.

Parent side: `worker` (starts zygotes, hands them jobs), `frames` (reads what a child leaves, as
untrusted input), `failure` (why a child did not finish, in the learner's terms), `protocol`
(limits and outcomes). Zygote and child side: `zygote` (imports torch once, forks a child per job),
`child` (isolates itself, loads the learner's file, runs the plan), `runner` (one forward call,
observed), `stages` and `training` (the learning modes' child side), `constructors`, `system`
(Linux process helpers).

May import: torch, the standard library, grader.errors. The child's modules (child, runner, stages,
training, constructors, system) import only torch, the standard library and each other: no judging,
no references, no course content can be reached from the learner's process.
"""
