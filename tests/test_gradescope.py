"""`grader gradescope build` makes a working autograder zip, whose run_autograder always writes a
results.json; `grader classroom` writes a GitHub Classroom workflow."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SUBMISSIONS

from grader.cli import main


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    result = subprocess.run([sys.executable, "-m", "grader", "gradescope", "build", "2", "-o", str(out),
                             "--timeout", "10"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def autograder_root(bundle: Path, tmp_path: Path) -> Path:
    """A fake /autograder: source/ is the unzipped bundle, submission/ is empty."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
        for info in z.infolist():  # zipfile drops permissions on extraction: restore them
            os.chmod(root / "source" / info.filename, info.external_attr >> 16 & 0o777)
    (root / "submission").mkdir()
    return root


def run_autograder(root: Path, python: str = sys.executable) -> dict:
    env = {**os.environ, "FORWARDLAB_AUTOGRADER_ROOT": str(root), "FORWARDLAB_PYTHON": python}
    done = subprocess.run([sys.executable, str(root / "source" / "run_autograder")], env=env, cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_bundle_layout(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as z:
        names = z.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        config = json.loads(z.read("autograder.json"))
        setup = z.read("setup.sh").decode()
        wheel = next(n for n in names if n.endswith(".whl"))
        with z.open(wheel) as w, zipfile.ZipFile(w) as wz:
            packaged = wz.namelist()
    assert {"setup.sh", "run_autograder", "autograder.json", "README.md"} <= set(names)  # at the zip's root
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert config["exercises"] == [{"id": "exercise2", "max_score": config["exercises"][0]["max_score"]}]
    assert config["exercises"][0]["max_score"] > 0 and config["check_args"] == ["--timeout", "10"]
    assert f"/autograder/source/{wheel}" in setup and "download.pytorch.org/whl/cpu" in setup
    assert "grader/grading.py" in packaged and "forwardlab_content/exercises/exercise2.yaml" in packaged
    assert {"forwardlab_content/specs/exercise2.py", "forwardlab_content/exercises/exercise2.py"} <= set(packaged)
    assert subprocess.run(["bash", "-n"], input=setup, text=True).returncode == 0


def test_run_autograder_grades_the_submission(bundle: Path, tmp_path: Path) -> None:
    root = autograder_root(bundle, tmp_path)
    nested = root / "submission" / "my-repo" / "exercises"
    nested.mkdir(parents=True)
    shutil.copy(SUBMISSIONS / "exercise2" / "correct_modules.py", nested / "exercise2.py")
    results = run_autograder(root)
    max_score = json.loads((root / "source" / "autograder.json").read_text())["exercises"][0]["max_score"]
    assert results["score"] == max_score == sum(t["max_score"] for t in results["tests"])
    assert all(t["status"] == "passed" and t["name"].startswith("exercise2 ") for t in results["tests"])


def test_run_autograder_always_writes_results(bundle: Path, tmp_path: Path) -> None:
    root = autograder_root(bundle, tmp_path)
    missing = run_autograder(root)  # nothing submitted
    assert missing["score"] == 0 and "no file named exercise2.py" in missing["tests"][0]["output"]

    (root / "submission" / "exercise2.py").write_text("x = 1\n")
    broken = run_autograder(root, python="/bin/false")  # the grader itself fails
    assert broken["score"] == 0 and "internal error" in broken["tests"][0]["output"]
    assert broken["tests"][0]["max_score"] == missing["tests"][0]["max_score"] > 0

    (root / "source" / "autograder.json").unlink()  # the autograder is broken
    assert run_autograder(root)["score"] == 0


def test_a_pack_exercise_is_bundled_with_its_spec_and_graded(bundle: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A course pack's exercise: the bundle carries its spec, YAML and stub (no solution), setup.sh and
    run_autograder put them on FORWARDLAB_CONTENT_PATH, and a correct submission scores full marks."""
    pack = ROOT / "examples" / "packs" / "transformer"
    with zipfile.ZipFile(bundle) as z:
        wheel = next(n for n in z.namelist() if n.endswith(".whl"))
        z.extract(wheel, tmp_path)
    out = tmp_path / "pack.zip"
    monkeypatch.setenv("FORWARDLAB_CONTENT_PATH", str(pack))
    assert main(["gradescope", "build", "layernorm", "2", "-o", str(out), "--wheel", str(tmp_path / wheel)]) == 0
    with zipfile.ZipFile(out) as z:
        names, config = z.namelist(), json.loads(z.read("autograder.json"))
        setup = z.read("setup.sh").decode()
        assert z.read("packs/1-transformer/specs/layernorm.py") == (pack / "specs" / "layernorm.py").read_bytes()
    assert {"packs/1-transformer/exercises/layernorm.yaml", "packs/1-transformer/exercises/layernorm.py"} <= set(names)
    assert not [n for n in names if "solutions" in n or "causal_attention" in n]  # only what grading needs
    assert config["packs"] == ["packs/1-transformer"] and [e["id"] for e in config["exercises"]] == ["layernorm",
                                                                                                     "exercise2"]
    assert "export FORWARDLAB_CONTENT_PATH=/autograder/source/packs/1-transformer" in setup
    assert "chmod -R go-w /autograder/source/packs/1-transformer" in setup
    assert subprocess.run(["bash", "-n"], input=setup, text=True).returncode == 0
    monkeypatch.delenv("FORWARDLAB_CONTENT_PATH", raising=False)  # run_autograder alone must supply it
    root = autograder_root(out, tmp_path)
    shutil.copy(pack / "solutions" / "layernorm.py", root / "submission" / "layernorm.py")
    results = run_autograder(root)
    layernorm = [t for t in results["tests"] if t["name"].startswith("layernorm ")]
    assert layernorm and all(t["status"] == "passed" for t in layernorm)
    assert sum(t["score"] for t in layernorm) == config["exercises"][0]["max_score"]
    assert "no file named exercise2.py" in results["output"]  # the other exercise: not submitted


def test_classroom_copies_a_pack_exercise_and_its_workflow_grades_it(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A course pack's exercise: its spec, YAML and stub (no solution) are copied into the repository,
    the workflow puts that copy on FORWARDLAB_CONTENT_PATH, and the workflow's own command, run there
    with that path alone, grades a correct file 0."""
    pack = ROOT / "examples" / "packs" / "transformer"
    monkeypatch.setenv("FORWARDLAB_CONTENT_PATH", str(pack))
    repo = tmp_path / "repo"
    assert main(["classroom", "layernorm", "2", "--dir", str(repo)]) == 0
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "classroom.yml").read_text())
    job = workflow["jobs"]["autograding"]
    assert job["env"] == {"FORWARDLAB_CONTENT_PATH": "${{ github.workspace }}/.forwardlab/packs/1-transformer"}
    copied = repo / ".forwardlab" / "packs" / "1-transformer"
    assert sorted(p.relative_to(copied).as_posix() for p in copied.rglob("*") if p.is_file()) == \
        ["exercises/layernorm.py", "exercises/layernorm.yaml", "specs/layernorm.py"]
    command = next(s["with"]["command"] for s in job["steps"] if s.get("id") == "layernorm")
    assert command == "grader check layernorm exercises/layernorm.py"
    monkeypatch.setenv("FORWARDLAB_CONTENT_PATH", job["env"]["FORWARDLAB_CONTENT_PATH"].replace(
        "${{ github.workspace }}", str(repo)))
    (repo / "exercises").mkdir()
    shutil.copy(pack / "solutions" / "layernorm.py", repo / "exercises" / "layernorm.py")
    monkeypatch.chdir(repo)
    assert main(command.split()[1:]) == 0


def test_classroom_workflow(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "grader", "classroom", "2", "3", "--dir", str(tmp_path)]
    assert subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=120).returncode == 0
    workflow = yaml.safe_load((tmp_path / ".github" / "workflows" / "classroom.yml").read_text())
    steps = workflow["jobs"]["autograding"]["steps"]
    graders = [s for s in steps if s.get("uses", "").startswith("classroom-resources/autograding-command-grader")]
    assert [s["with"]["command"] for s in graders] == ["grader check exercise2 exercises/exercise2.py",
                                                       "grader check exercise3 exercises/exercise3.py"]
    assert all(s["with"]["max-score"] > 0 for s in graders)
    reporter = steps[-1]
    assert reporter["with"]["runners"] == "exercise2,exercise3"
    assert set(reporter["env"]) == {"EXERCISE2_RESULTS", "EXERCISE3_RESULTS"}
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--force" in again.stderr  # never overwrites silently
