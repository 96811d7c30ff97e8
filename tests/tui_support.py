"""Shared test support for the TUI tests: a small content pack, a fake grading client, app fixtures.

Named test_tui_* so that it belongs with the TUI's tests; it holds no tests itself.
"""

from __future__ import annotations

import asyncio
import functools
import textwrap
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path

from grader.course.progress import ProgressStore
from grader.report import CheckResult, Report

LESSON = """\
kind: lesson
id: forward-basics
title: The forward pass
summary: What happens when you call a model.
order: 1
sections:
  - id: overview
    title: Overview
    role: overview
    body: |
      A model's **forward** method turns inputs into outputs.
    code:
      - code: |
          import torch
          y = torch.nn.Linear(3, 2)(torch.ones(1, 3))
  - id: bias
    title: Weights and biases
    role: build-up
    predict:
      question: Does a linear layer add a bias after multiplying by the weights?
      options:
        - {text: "Yes, it adds a bias", explanation: "Right: weights times input, plus the bias."}
        - {text: "No, it only multiplies", explanation: "Without a bias a zero input could only give zero."}
      answer: 0
      explanation: nn.Linear computes x @ W.T + b.
    body: |
      The layer multiplies, **then adds the bias**.
  - id: myths
    title: Myths
    role: myths
    body: Two beliefs to test.
    myths:
      - id: call-forward
        belief: You should call model.forward(x) directly.
        verdict: myth
        reality: Call model(x); `__call__` runs hooks around forward.
        why_it_matters: Hooks and other machinery are skipped otherwise.
"""

QUIZ = """\
kind: quiz
id: forward-quiz
title: Forward pass check
lesson: forward-basics
questions:
  - id: main-job
    prompt: What does the forward method mainly do?
    section: forward-basics#overview
    options:
      - text: Computes the output from the input
        correct: true
        explanation: That is its job.
      - text: Updates the weights
        explanation: The optimizer does that.
  - id: linear-parts
    prompt: Which does nn.Linear use?
    multiple: true
    section: forward-basics#bias
    options:
      - text: A weight matrix
        correct: true
        explanation: x @ W.T.
      - text: A bias vector
        correct: true
        explanation: + b.
      - text: A softmax
        explanation: No, raw outputs.
"""

EXERCISE = """\
kind: exercise
id: exercise1
title: ManualLinear
summary: Write the forward of a linear layer by hand.
description: |
  Compute `x @ weight.T + bias` for `x` of shape `[..., in]` -> `[..., out]`.
lessons: [forward-basics#bias]
hints:
  - Look at the shapes of weight and x.
  - Transpose the weight.
  - return x @ self.weight.T + self.bias
"""

BROKEN = """\
kind: lesson
id: broken
title: Broken
summary: A lesson with a typo in a key.
order: 2
sectons: []
"""


def write_content(root: Path, *, broken: bool = False) -> Path:
    files = {"lessons/forward-basics.yaml": LESSON, "quizzes/forward-quiz.yaml": QUIZ,
             "exercises/exercise1.yaml": EXERCISE}
    if broken:
        files["lessons/broken.yaml"] = BROKEN
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def make_report(status: str, file: str = "exercises/exercise1.py") -> Report:
    checks = [
        CheckResult("load/import", "load", "pass", "the file imports and ManualLinear constructs"),
        CheckResult("shape/basic", "shape", "pass", "output shape [4, 2] as expected"),
    ]
    if status == "pass":
        checks.append(CheckResult("values/reference", "values", "pass", "matches F.linear to 1e-6"))
    else:
        checks += [
            CheckResult("values/reference", "values", "fail",
                        "output differs from the reference: max abs diff 0.73 at [0, 1]",
                        "your output equals the reference without the bias: did you forget + self.bias?"),
            CheckResult("grad/params", "grad", "fail", "no gradient reached bias", "use self.bias in forward"),
            CheckResult("export/torch-export", "export", "skip", "skipped: values failed"),
        ]
    return Report("exercise1", file, "pass" if status == "pass" else "fail", "cpu", 0.12, checks)


class FakeGradingClient:
    """Stands in for grader.api.GradingClient: returns `reports` in turn and records like the real one."""

    def __init__(self, store_path: Path, reports: list[Report]) -> None:
        self.store_path = store_path
        self.reports = list(reports)
        self.checked: list[tuple[str, str]] = []
        self.warmed = threading.Event()
        self.closed = False

    def warm_up(self) -> None:
        self.warmed.set()

    def check(self, exercise: str, file: str | Path | None = None, *, device: str = "cpu") -> Report:
        self.checked.append((exercise, str(file)))
        report = self.reports.pop(0) if len(self.reports) > 1 else self.reports[0]
        # Like the real worker: record through a connection of its own (sqlite objects are per thread).
        store = ProgressStore(self.store_path)
        store.record_check(report.to_dict())
        store.close()
        return report

    def close(self) -> None:
        self.closed = True


def run_async(test: Callable[..., Coroutine]) -> Callable[..., None]:
    """Run an async test with asyncio.run, so no pytest async plugin is needed."""

    @functools.wraps(test)
    def wrapper(*args: object, **kwargs: object) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


def fake_factory(store: ProgressStore, *reports: Report) -> tuple[FakeGradingClient, Callable[[], FakeGradingClient]]:
    client = FakeGradingClient(store.path, list(reports) or [make_report("pass")])
    return client, lambda: client
