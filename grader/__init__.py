"""Forward Lab's grader: judges learners' forward() methods against reference PyTorch models.

Layers, top to bottom; a module imports only from its own layer's package or the layers below
(enforced by the import-linter contracts in pyproject.toml):

  cli, commands/      the `grader` command line (argument parsing, output, exit codes)
  notebook            grading from Jupyter: check("exercise2", DigitClassifier), %load_ext grader.notebook
  api, service        the Python API the TUI and tools use, and the warm worker behind it
  modes/, output/,    learning modes (pipeline and training traces); reports as text, HTML and formats;
  packs/              course packs for instructors (`grader new exercise`, `grader pack test`)
  backends/           the same workers as Ray actors, for batches past one machine (optional extra)
  grading, authoring  the one grading path: files -> prepare -> isolated child -> judge -> Report;
                      the public API that course packs' exercise specs import
  judging/            exercise specs, checks, comparing observations, preparing references
  course/, isolation/ content, progress and exercise discovery; the process boundary (zygote, child)
  sources/            a submitted file as the child runs it (notebooks extracted, identical code found)
  report, errors, watching, wording   the result schema, usage errors, the file watcher, words for people

Nothing heavy loads at import time: torch is imported only where grading needs it, so that the
CLI and the TUI start fast. The public Python API is `grader.api`; for writing exercises, `grader.authoring`.
"""

__version__ = "0.1.0"
