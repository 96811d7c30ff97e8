"""Forward Lab's grader: judges learners' forward() methods against reference PyTorch models.

Layers, top to bottom; a module imports only from its own layer's package or the layers below
(enforced by the import-linter contracts in pyproject.toml):

  cli, commands/      the `grader` command line (argument parsing, output, exit codes)
  api, service        the Python API the TUI and tools use, and the warm worker behind it
  modes/, output/     learning modes (pipeline and training traces); reports as text and formats
  grading             the one grading path: files -> prepare -> isolated child -> judge -> Report
  judging/            exercise specs, checks, comparing observations, preparing references
  course/, isolation/ content, progress and exercise discovery; the process boundary (zygote, child)
  report, errors, watching, wording   the result schema, usage errors, the file watcher, words for people

Nothing heavy loads at import time: torch is imported only where grading needs it, so that the
CLI and the TUI start fast. The public Python API is `grader.api`.
"""

__version__ = "0.1.0"
