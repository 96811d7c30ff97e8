"""Shared test support for the TUI tests: a small content pack, a fake grading client, app fixtures.

Named test_tui_* so that it belongs with the TUI's tests; it holds no tests itself.
"""

from __future__ import annotations

import asyncio
import functools
import random
import textwrap
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING

from grader.course.progress import ProgressStore
from grader.report import CheckResult, Report

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from tui.app import ForwardLabApp

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
      Calling model(x) runs __call__, which calls forward.
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
after: forward-basics
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


SPOTTER = """\
kind: spotter
id: forward-spotter
title: "Find the bug: forward"
section: forward-basics#overview
snippets:
  - id: direct-forward
    code: |
      def forward(self, x):
          x = self.stem(x)
          x = self.blocks.forward(x)
          return self.head(x)
    bug_line: 3
    explanation: blocks.forward(x) skips nn.Module.__call__, so hooks never fire.
    fix: Call the submodule, x = self.blocks(x).
  - id: softmax-logits
    code: |
      def forward(self, x):
          h = torch.relu(self.fc1(x))
          return self.fc2(h).softmax(dim=1)
    bug_line: 3
    options: [2, 3]
    explanation: forward should return raw logits; the loss applies softmax itself.
    fix: return self.fc2(h)
"""


def stage(index: int, name: str, kind: str, shape: list[int], matches: bool | None) -> dict:
    text = "x".join(map(str, shape))
    label = f"{name} (Linear)" if kind == "module" else name
    return {"index": index, "name": name, "label": label, "kind": kind, "op": "Linear", "in_shape": "",
            "out_shape": text, "shape": shape, "sample": [0.1, -0.2, 0.3, 0.4], "min": -1.0, "max": 1.0,
            "matches": matches,
            "reference": {"name": name, "label": label, "kind": kind, "op": "Linear", "out_shape": text},
            "note": "" if matches is not False else "640 of 640 values differ"}


# What the worker says of a file that fails `grader check` (grader.modes.check_summary).
CHECK_FAILS = {"status": "fail", "passed": 24, "total": 25, "failed": [
    {"id": "values/batch-4", "category": "values", "message": "your output equals the reference without the ReLU"}]}
TRACE = {"exercise": "exercise2", "file": "exercises/exercise2.py", "inputs": "64 real handwritten digits",
         "status": "differs", "truncated": False, "error": None,
         "stages": [stage(1, "x", "input", [64, 1, 28, 28], True), stage(2, "flatten", "module", [64, 784], True),
                    stage(3, "fc1", "module", [64, 128], True), stage(4, "fc2", "module", [64, 10], False),
                    stage(5, "output", "output", [64, 10], False)],
         "first_divergence": {"index": 4, "name": "fc2", "message": "after `fc1` matched, `fc2` is the first stage "
                                                                      "that differs: the reference applies a ReLU"},
         "check": CHECK_FAILS}
EPOCHS = [{"epoch": n, "loss": loss, "train_accuracy": acc - 0.01, "accuracy": acc, "seconds": 0.1,
           "observation": "loss down"} for n, (loss, acc) in enumerate([(1.2, 0.55), (0.8, 0.72), (0.5, 0.83)], 1)]


class ModesClient(FakeGradingClient):
    """The fake worker, with canned traces and training runs (`trace_result`, `train_result`) that stream
    their epochs; by default the file fails its checks (CHECK_FAILS)."""

    def __init__(self, store_path: Path) -> None:
        super().__init__(store_path, [make_report("fail")])
        self.traced: list[str] = []
        self.trained: list[tuple[str, int, int]] = []
        self.trace_result = TRACE
        self.train_result = {"status": "ok", "error": None, "history": EPOCHS, "accuracy": EPOCHS[-1]["accuracy"],
                             "check": CHECK_FAILS}

    def trace(self, exercise: str, file=None, *, batch=None) -> dict:
        self.traced.append(exercise)
        return self.trace_result

    def train(self, exercise: str, file=None, *, epochs: int = 5, seed: int = 0, on_epoch=None) -> dict:
        self.trained.append((exercise, epochs, seed))
        for row in self.train_result["history"]:
            on_epoch(row)
        return self.train_result


def run_async(test: Callable[..., Coroutine]) -> Callable[..., None]:
    """Run an async test with asyncio.run, so no pytest async plugin is needed."""

    @functools.wraps(test)
    def wrapper(*args: object, **kwargs: object) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


def fake_factory(store: ProgressStore, *reports: Report) -> tuple[FakeGradingClient, Callable[[], FakeGradingClient]]:
    client = FakeGradingClient(store.path, list(reports) or [make_report("pass")])
    return client, lambda: client


def write_spotter(content: Path) -> Path:
    """Add the pitfall spotter to a content pack written by `write_content`."""
    (content / "spotters").mkdir(exist_ok=True)
    (content / "spotters" / "forward-spotter.yaml").write_text(textwrap.dedent(SPOTTER))
    return content


def make_modes_app(store: ProgressStore, content: Path, seed: int = 3) -> tuple[ForwardLabApp, ModesClient]:
    """The app on `content` with the fake worker; options are shuffled by a seeded generator, so a
    test knows which letter shows which option."""
    from tui.app import ForwardLabApp

    client = ModesClient(store.path)
    return ForwardLabApp(store, content_dirs=[content], grading_client=lambda: client, rng=random.Random(seed)), client


async def settle(app: ForwardLabApp, pilot: Pilot) -> None:
    """Let workers finish and their results reach the screen."""
    await app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(app: ForwardLabApp) -> str:
    """What the terminal shows now, as plain text, one line per row (the compositor's own render)."""
    return "\n".join("".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips())
