"""`grader trace`: the learner's stages on a real batch, beside the reference's, first divergence found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.cli import main
from grader.isolation.stages import label
from grader.modes.trace import trace_file

HEAD = """\
import torch
import torch.nn.functional as F
from torch import nn


class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
"""
DIGITS_MODULES = HEAD + "        return self.fc2(self.relu(self.fc1(self.flatten(x))))\n"
DIGITS_FUNCTIONAL = HEAD + "        x = x.view(x.size(0), -1)\n        return self.fc2(F.relu(self.fc1(x)))\n"
DIGITS_NO_RELU = HEAD + "        return self.fc2(self.fc1(self.flatten(x)))\n"
DIGITS_MIXED = HEAD + "        return self.fc2(self.relu(self.fc1(x.reshape(784, -1).T)))\n"
DIGITS_BAD_VIEW = HEAD + "        return self.fc2(self.relu(self.fc1(x.view(-1, 28))))\n"
DIGITS_STUB = HEAD + "        raise NotImplementedError\n"
MANUAL_LINEAR = """\
import math
import torch
from torch import nn


class ManualLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        nn.init.uniform_(self.bias, -1 / math.sqrt(in_features), 1 / math.sqrt(in_features))

    def forward(self, x):
        return x @ self.weight.T + self.bias
"""
SEED_SHAPES = [[64, 1, 28, 28], [64, 784], [64, 128], [64, 128], [64, 10], [64, 10]]


@pytest.fixture(scope="module")
def zygote(grader_session):
    return grader_session.zygotes[0]


def write(tmp_path: Path, source: str, name: str = "submission.py") -> Path:
    path = tmp_path / name
    path.write_text(source)
    return path


@pytest.mark.parametrize("source, names", [
    (DIGITS_MODULES, ["x", "flatten", "fc1", "relu", "fc2", "output"]),
    (DIGITS_FUNCTIONAL, ["x", ".view()", "fc1", "F.relu", "fc2", "output"]),
], ids=["modules", "functional"])
def test_a_correct_digit_classifier_shows_the_seeds_six_stages(tmp_path, zygote, source, names) -> None:
    result = trace_file("2", write(tmp_path, source), 64, zygote=zygote)
    assert result["status"] == "match" and result["first_divergence"] is None and result["error"] is None
    assert [s["name"] for s in result["stages"]] == names
    assert [s["shape"] for s in result["stages"]] == SEED_SHAPES
    assert [s["out_shape"] for s in result["stages"]][0] == "64x1x28x28"
    assert all(s["matches"] for s in result["stages"])
    relu = result["stages"][3]
    assert relu["min"] == 0.0 and relu["in_shape"] == "64x128"  # negatives became zero
    assert relu["reference"]["op"] == "ReLU"
    assert "real handwritten digits" in result["inputs"]
    assert len(result["stages"][-1]["sample"]) == 4


def test_a_missing_relu_diverges_at_fc2_and_is_named(tmp_path, zygote) -> None:
    result = trace_file("exercise2", write(tmp_path, DIGITS_NO_RELU), 16, zygote=zygote)
    assert result["status"] == "differs"
    assert [s["matches"] for s in result["stages"]] == [True, True, True, False, False]
    divergence = result["first_divergence"]
    assert divergence["name"] == "fc2" and divergence["index"] == 4
    assert "after `fc1` matched" in divergence["message"]
    assert "applies a ReLU between `fc1` and `fc2`" in divergence["message"]


def test_a_flatten_that_mixes_samples_points_at_the_stages_before_fc1(tmp_path, zygote) -> None:
    result = trace_file("2", write(tmp_path, DIGITS_MIXED), 8, zygote=zygote)
    assert result["status"] == "differs"
    stages = {s["name"]: s for s in result["stages"]}
    assert stages[".reshape()"]["matches"] is None and stages[".reshape()"]["out_shape"] == "784x8"
    assert stages["fc1"]["matches"] is False and "values differ" in stages["fc1"]["note"]
    divergence = result["first_divergence"]
    assert divergence["name"] == "fc1"
    assert "`.reshape()`, `.T` have no counterpart" in divergence["message"]


def test_an_error_shows_where_the_data_stopped(tmp_path, zygote) -> None:
    result = trace_file("2", write(tmp_path, DIGITS_BAD_VIEW), 4, zygote=zygote)
    assert result["status"] == "error"
    assert [s["out_shape"] for s in result["stages"]] == ["4x1x28x28", "112x28"]
    assert result["first_divergence"]["index"] == 3
    assert "mat1 and mat2 shapes cannot be multiplied" in result["error"]
    assert "line 15" in result["error"]


def test_a_stub_is_not_started(tmp_path, zygote) -> None:
    result = trace_file("2", write(tmp_path, DIGITS_STUB), 4, zygote=zygote)
    assert result["status"] == "not-started" and result["first_divergence"] is None
    assert [s["kind"] for s in result["stages"]] == ["input"]


def test_a_file_that_does_not_load_says_why(tmp_path, zygote) -> None:
    result = trace_file("2", write(tmp_path, "import torch\n\nclass Other(torch.nn.Module):\n    pass\n"), zygote=zygote)
    assert result["status"] == "error" and result["stages"] == []
    assert "no nn.Module subclass named DigitClassifier in your file (found Other)" in result["error"]


def test_other_exercises_trace_generated_inputs(tmp_path, zygote) -> None:
    result = trace_file("1", write(tmp_path, MANUAL_LINEAR), 3, zygote=zygote)
    assert result["status"] == "match"
    assert [(s["name"], s["out_shape"]) for s in result["stages"]] == [
        ("x", "3x20"), ("@", "3x12"), ("+", "3x12"), ("output", "3x12")]
    assert "generated" in result["inputs"]


def test_labels_read_like_the_code() -> None:
    assert label("torch.nn.functional.relu") == "F.relu"
    assert label("torch.Tensor.flatten") == ".flatten()"
    assert label("torch.Tensor.T.__get__") == ".T"
    assert label("torch.Tensor.matmul") == "@"
    assert label("torch.flatten") == "torch.flatten"


def test_cli_json_and_text(tmp_path, capsys) -> None:
    path = write(tmp_path, DIGITS_NO_RELU)
    assert main(["trace", "2", str(path), "--batch", "8", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["exercise"] == "exercise2" and result["first_divergence"]["name"] == "fc2"
    assert result["check"]["status"] == "fail" and result["check"]["failed"]  # `grader check`'s verdict too
    assert main(["trace", "2", str(path), "--batch", "8"]) == 1
    text = capsys.readouterr().out
    assert text.startswith("✗ Your file fails grader check (") and "`" not in text  # no Markdown backticks
    assert main(["trace", "2", str(write(tmp_path, DIGITS_MODULES, "ok.py")), "--batch", "8"]) == 0
    text = capsys.readouterr().out
    assert "8x784" in text and "fc1 (Linear)" in text and "matches the reference" in text
    assert "fails grader check" not in text


@pytest.mark.parametrize("argv, fragment", [
    (["trace", "99"], "unknown exercise"),
    (["trace", "2", "/no/such/file.py"], "no such file"),
])
def test_cli_usage_errors(argv, fragment, capsys) -> None:
    assert main(argv) == 2
    assert fragment in capsys.readouterr().err


def test_batch_out_of_range_is_a_usage_error(tmp_path, capsys) -> None:
    assert main(["trace", "2", str(write(tmp_path, DIGITS_MODULES)), "--batch", "0"]) == 2
    assert "--batch must be 1-1000" in capsys.readouterr().err
