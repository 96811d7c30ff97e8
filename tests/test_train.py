"""`grader train`: the learner's digit classifier trained on real digits, epoch by epoch, deterministically."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from test_trace import DIGITS_BAD_VIEW, DIGITS_MIXED, DIGITS_MODULES, DIGITS_NO_RELU, HEAD, write

from grader.cli import main
from grader.commands.train_cmd import loss_chart, train_view
from grader.course.content import load_course
from grader.errors import UsageError
from grader.isolation.training import Settings
from grader.modes.train import load_digits, observation, train_file
from grader.modes.verdict import checked

DIGITS_WIDE = HEAD + "        return self.relu(self.fc1(self.flatten(x)))\n"  # returns [B, 128]
TINY_CNN = """\
import torch.nn.functional as F
from torch import nn


class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc(x.flatten(1))
"""


@pytest.fixture(scope="module")
def zygote(grader_session):
    return grader_session.zygotes[0]


def curve(result: dict) -> list[tuple]:
    return [(r["epoch"], r["loss"], r["train_accuracy"], r["accuracy"]) for r in result["history"]]


def test_a_correct_digit_classifier_learns_in_five_epochs(tmp_path, zygote) -> None:
    streamed: list[dict] = []
    result = train_file("2", write(tmp_path, DIGITS_MODULES), Settings(epochs=5), zygote=zygote,
                        on_epoch=streamed.append)
    assert result["status"] == "ok" and result["error"] is None
    assert streamed == result["history"]  # each epoch reached the caller as it ended
    losses = [r["loss"] for r in result["history"]]
    assert [r["epoch"] for r in result["history"]] == [1, 2, 3, 4, 5]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))  # the curve goes down
    assert result["accuracy"] >= 0.85
    assert (result["train_size"], result["test_size"]) == (4000, 1000)
    assert all(r["observation"] for r in result["history"])
    # the lesson quotes this run (default settings) as what a correct solution measures
    assert lesson_table() == [(r["epoch"], round(r["loss"], 4), round(r["accuracy"], 3)) for r in result["history"]]


def lesson_table() -> list[tuple[int, float, float]]:
    """The measured rows `| epoch | loss | accuracy% |` of the model-pipeline lesson's training trace."""
    _, section = load_course().section("model-pipeline#training-trace")
    rows = re.findall(r"^\| (\d+) \| ([\d.]+) \| ([\d.]+)% \|$", section.body, re.M)
    return [(int(e), float(loss), round(float(acc) / 100, 3)) for e, loss, acc in rows]


def test_training_is_deterministic_under_a_seed(tmp_path, zygote) -> None:
    path = write(tmp_path, DIGITS_MODULES)
    first = train_file("2", path, Settings(epochs=2, seed=7), zygote=zygote)
    again = train_file("2", path, Settings(epochs=2, seed=7), zygote=zygote)
    other = train_file("2", path, Settings(epochs=2, seed=8), zygote=zygote)
    assert curve(first) == curve(again)
    assert curve(first) != curve(other)


def test_a_model_that_mixes_samples_trains_far_worse(tmp_path, zygote) -> None:
    result = train_file("2", write(tmp_path, DIGITS_MIXED), Settings(epochs=2), zygote=zygote)
    assert result["status"] == "ok"
    assert result["accuracy"] < 0.3  # about chance: the labels no longer belong to the pixels
    assert "not learning" in result["history"][-1]["observation"]


@pytest.mark.parametrize("source, fragment", [
    (DIGITS_BAD_VIEW, "mat1 and mat2 shapes cannot be multiplied"),
    (DIGITS_WIDE, "training needs float logits of shape [64, 10]"),
], ids=["raises", "wrong-output-shape"])
def test_a_model_that_cannot_train_stops_cleanly(tmp_path, zygote, source, fragment) -> None:
    result = train_file("2", write(tmp_path, source), Settings(epochs=2), zygote=zygote)
    assert result["status"] == "error" and result["history"] == []
    assert fragment in result["error"] and result["error"].startswith("epoch 1:")


def test_a_model_without_its_relu_trains_well_and_still_fails_its_checks(tmp_path, grader_session) -> None:
    """The lesson the training view teaches, measured: accuracy is not correctness."""
    path = write(tmp_path, DIGITS_NO_RELU)
    result = checked(grader_session, "exercise2", path,
                     lambda zygote: train_file("2", path, Settings(epochs=5), zygote=zygote))
    assert result["status"] == "ok" and 0.85 <= result["accuracy"] < 0.95  # "about 90%"
    assert result["check"]["status"] == "fail" and result["check"]["failed"][0]["category"] == "values"
    shown = _text(train_view(result))
    assert shown.startswith("✗ Your file fails grader check") and "`" not in shown
    assert "about 90%" in shown and "✓" not in shown  # no tick for a wrong forward, however well it trains


def test_training_the_stub_says_not_started(tmp_path, zygote) -> None:
    from grader.course.workspace import stub_sources

    result = train_file("2", write(tmp_path, stub_sources()["exercise2.py"]), Settings(epochs=1), zygote=zygote)
    assert result["status"] == "not-started" and result["history"] == []
    assert _text(train_view({**result, "check": {"status": "not-started", "failed": []}})).startswith("○ Not started")


@pytest.mark.parametrize("accuracy, expected", [(0.80, "accuracy up"), (0.75, "accuracy unchanged"),
                                                (0.70, "accuracy down")])
def test_observations_name_the_actual_comparison(accuracy, expected) -> None:
    previous = {"loss": 1.0, "train_accuracy": 0.75, "accuracy": 0.75}
    row = {"loss": 0.5, "train_accuracy": accuracy + 0.02, "accuracy": accuracy}
    assert observation(row, previous).startswith(f"loss down, {expected}")


def test_the_loss_chart_spaces_two_digit_epochs() -> None:
    axis = loss_chart([1.0 - 0.05 * i for i in range(14)]).splitlines()[-1]
    assert axis.split() == [str(n) for n in range(1, 15)] + ["epochs"]


def _text(renderable) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def test_the_cnn_trains_too(tmp_path, zygote) -> None:
    result = train_file("exercise3", write(tmp_path, TINY_CNN), Settings(epochs=1), zygote=zygote)
    assert result["status"] == "ok" and result["accuracy"] > 0.5


def test_only_the_digit_classifiers_can_be_trained(tmp_path) -> None:
    with pytest.raises(UsageError, match="`train` works for: exercise2, exercise3"):
        train_file("1", write(tmp_path, DIGITS_MODULES))


def test_the_split_is_stratified_and_disjoint() -> None:
    data = load_digits()
    assert data["train_images"].shape == (4000, 28, 28) and data["test_images"].shape == (1000, 28, 28)
    assert data["train_labels"].bincount().tolist() == [400] * 10
    assert data["test_labels"][:10].tolist() == list(range(10))  # interleaved: any prefix has every digit
    train = {bytes(img.numpy()) for img in data["train_images"]}
    assert not any(bytes(img.numpy()) in train for img in data["test_images"])


def test_the_shipped_digits_are_the_csvs(tmp_path) -> None:
    import numpy as np

    from grader.modes.train import digits_path

    source = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist_5k.csv.gz"
    if not source.exists():
        pytest.skip("the source CSV is not beside this checkout")
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_mnist_npz", Path(__file__).parents[1] / "scripts" / "make_mnist_npz.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.convert(source, tmp_path / "digits.npz")
    with np.load(tmp_path / "digits.npz") as fresh, np.load(digits_path()) as shipped:
        assert np.array_equal(fresh["images"], shipped["images"]) and np.array_equal(fresh["labels"], shipped["labels"])


def test_cli_json(tmp_path, capsys) -> None:
    assert main(["train", "2", str(write(tmp_path, DIGITS_MODULES)), "--epochs", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["history"]) == 1 and result["settings"]["epochs"] == 1


@pytest.mark.parametrize("argv, fragment", [
    (["train", "1"], "not a digit classifier"),
    (["train", "2", "--epochs", "0"], "--epochs must be 1-50"),
    (["train", "2", "/no/such/file.py"], "no such file"),
])
def test_cli_usage_errors(argv, fragment, capsys) -> None:
    assert main(argv) == 2
    assert fragment in capsys.readouterr().err
