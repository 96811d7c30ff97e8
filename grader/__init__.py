"""Forward Lab's grader: judges learners' forward() methods against reference PyTorch models.

The package imports nothing heavy at import time: torch is loaded only where grading needs it,
so that the CLI and the TUI start fast. The public Python API is in `grader.api`.
"""

__version__ = "0.1.0"
