"""`grader gradescope build`: a ready Gradescope autograder zip for one or more exercises.

The zip holds, at its root (where Gradescope looks):
- setup.sh: installs Python (3.11 or newer), CPU-only torch and torchvision pinned to the versions
  this grader runs with, and the Forward Lab wheel bundled beside it, into /autograder/venv;
- run_autograder: grader/gradescope_run.py as it is (standard library only: it always writes
  results.json);
- autograder.json: the exercises with their maximum scores, and the options for `grader check`;
- forwardlab-*.whl: this Forward Lab, built from its source tree (or the wheel given with --wheel);
- packs/N-NAME/: for exercises of a course pack, the pack's files they need (spec, YAML, stub; never a
  solution), which setup.sh makes root's and run_autograder puts on FORWARDLAB_CONTENT_PATH;
- README.md: how to upload and try it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

from grader.errors import UsageError

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
set -euo pipefail
cd /autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends python3 python3-venv python3-pip
PY=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    apt-get install -y -q --no-install-recommends python3.11 python3.11-venv  # Ubuntu 22.04 images
    PY=python3.11
fi
"$PY" -m venv /autograder/venv
/autograder/venv/bin/pip install -q --upgrade pip
/autograder/venv/bin/pip install -q {torch} --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install -q /autograder/source/{wheel}
{packs}/autograder/venv/bin/python -m grader list > /dev/null  # a broken install fails the image build, not a student
"""
# course packs run in the grading process as root: only root may change them (see grader.course.trust)
PACKS_SH = """chown -R root:root {folders}
chmod -R go-w {folders}
export FORWARDLAB_CONTENT_PATH={path}
"""

README = """# Forward Lab autograder for Gradescope

Built by `grader gradescope build` (Forward Lab {version}) for: {exercises}.

## Use it
1. On Gradescope, create a Programming Assignment; in *Configure Autograder* upload this zip.
   Pick an Ubuntu base image (24.04 has Python 3.12; on 22.04 setup.sh installs python3.11),
   and give the container at least 2 GB of memory (torch).
2. Students submit {files} (loose, or anywhere in a folder or repository they upload).
3. Each check of each exercise is one Gradescope test; the assignment's total is {total:g} points:
{points}
   Points per check come from the exercise's YAML (`points:` by check id or category; 1 otherwise).

## What runs
- `setup.sh` (once, at image build): Python, {torch} (CPU), and the bundled `{wheel}`, in
  /autograder/venv.
- `run_autograder` (per submission): `python -m grader check ID FILE --format gradescope`
  for each exercise, merged into /autograder/results/results.json.{packs} A missing file scores 0; a
  grader failure is a failed test whose details are on the instructor-only stdout. A results.json
  is written whatever happens.

## Try it locally
Unzip into DIR/source, put a submission in DIR/submission, then
`FORWARDLAB_AUTOGRADER_ROOT=DIR FORWARDLAB_PYTHON=$(which python) python DIR/source/run_autograder`
(with a Python that has Forward Lab) and read DIR/results/results.json.
"""


def build(exercises: list[str], output: Path, *, wheel: Path | None = None,
          check_args: list[str] | tuple = ()) -> Path:
    """Write the autograder zip for `exercises` (resolved ids) to `output`; returns it."""
    packs = bundled_packs(exercises)
    config = {"forwardlab": metadata.version("forwardlab"), "timeout_s": 600, "check_args": list(check_args),
              "exercises": [{"id": e, "max_score": max_score(e)} for e in exercises], "packs": list(packs)}
    with tempfile.TemporaryDirectory(prefix="forwardlab-gradescope-") as tmp:
        if wheel is None:
            wheel = build_wheel(Path(tmp))
        elif not wheel.is_file() or wheel.suffix != ".whl":
            raise UsageError(f"--wheel {wheel}: not a wheel file (build one with `pip wheel --no-deps .`)")
        output.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as z:
            _add(z, "setup.sh", SETUP_SH.format(torch=torch_requirement(), wheel=wheel.name, packs=_packs_sh(packs)),
                 executable=True)
            for name, files in packs.items():
                for relative, source in files.items():
                    _add(z, f"{name}/{relative}", source.read_text(encoding="utf-8"))
            _add(z, "run_autograder", (Path(__file__).parent / "gradescope_run.py").read_text(), executable=True)
            _add(z, "autograder.json", json.dumps(config, indent=2) + "\n")
            _add(z, "README.md", _readme(config, wheel.name))
            z.write(wheel, wheel.name)
    return output


def bundled_packs(exercises: list[str]) -> dict[str, dict[str, Path]]:
    """The course packs (other than the built-in course) the exercises come from: bundle folder
    `packs/N-NAME` -> {path in the pack: file} holding each exercise's spec, YAML and stub."""
    from grader.course import registry
    from grader.course.content import default_content_dir

    builtin = default_content_dir().resolve()
    packs: dict[Path, dict[str, Path]] = {}
    for exercise_id in exercises:
        pack = registry.pack_of(exercise_id).resolve()
        if pack != builtin:
            wanted = (f"specs/{exercise_id}.py", f"exercises/{exercise_id}.yaml", f"exercises/{exercise_id}.py")
            packs.setdefault(pack, {}).update({p: pack / p for p in wanted if (pack / p).is_file()})
    return {f"packs/{i}-{re.sub(r'[^A-Za-z0-9_.-]', '_', pack.name)}": files
            for i, (pack, files) in enumerate(packs.items(), 1)}


def _packs_sh(packs: dict[str, dict[str, Path]]) -> str:
    if not packs:
        return ""
    folders = " ".join(f"/autograder/source/{name}" for name in packs)
    return PACKS_SH.format(folders=folders, path=":".join(f"/autograder/source/{name}" for name in packs))


def max_score(exercise_id: str) -> float:
    """The exercise's total points: every check it runs on the CPU, weighted by its YAML."""
    from grader.course import registry
    from grader.judging.standard import exercise_checks
    from grader.output.formats import check_points, exercise_points

    points = exercise_points(exercise_id)
    checks = exercise_checks(registry.load(exercise_id))
    return sum((check_points(c, points) for c in checks), 0.0)


def torch_requirement() -> str:
    """torch and torchvision pinned to this grader's versions: verdicts as the instructor sees them."""
    return " ".join(f"{name}=={metadata.version(name).split('+')[0]}" for name in ("torch", "torchvision"))


def source_root() -> Path | None:
    """The source tree this grader was installed from (a checkout or an editable install), if any."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "grader").is_dir() else None


def build_wheel(dest: Path) -> Path:
    """Build Forward Lab's wheel from a clean copy of its source tree (nothing written to the tree)."""
    root = source_root()
    if root is None:
        raise UsageError("no Forward Lab source tree next to this grader: pass --wheel PATH "
                         "(a forwardlab wheel, from `pip wheel --no-deps .` in a checkout)")
    src = dest / "src"
    src.mkdir()
    project = tomllib.loads((root / "pyproject.toml").read_text())
    for name in {"pyproject.toml", project["project"].get("readme", "README.md"), *_package_dirs(project)}:
        if (root / name).is_dir():
            shutil.copytree(root / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif (root / name).is_file():
            shutil.copy2(root / name, src / name)
    # with setuptools already here, build offline with it; else pip fetches it into an isolated env
    offline = ["--no-build-isolation"] if _has("setuptools") else []
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *offline, "-w", str(dest), str(src)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=dest)
    wheels = sorted(dest.glob("forwardlab-*.whl"))
    if done.returncode != 0 or not wheels:
        raise RuntimeError(f"building the Forward Lab wheel failed:\n{done.stderr[-3000:]}")
    return wheels[0]


def _package_dirs(project: dict) -> set[str]:
    """Top-level folders of the packages pyproject.toml declares (honouring package-dir)."""
    setup = project["tool"]["setuptools"]
    renamed = setup.get("package-dir", {})
    return {renamed.get(name.split(".")[0], name.split(".")[0]) for name in setup["packages"]}


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _add(z: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    z.writestr(info, text)


def _readme(config: dict, wheel: str) -> str:
    exercises = config["exercises"]
    return README.format(version=config["forwardlab"], exercises=", ".join(e["id"] for e in exercises),
                         files=", ".join(f"`{e['id']}.py`" for e in exercises),
                         total=sum(e["max_score"] for e in exercises), torch=torch_requirement(), wheel=wheel,
                         points="\n".join(f"   - {e['id']}: {e['max_score']:g} points" for e in exercises),
                         packs="" if not config["packs"] else
                         f" The exercises of course packs are graded with their specs from "
                         f"{', '.join(config['packs'])} (FORWARDLAB_CONTENT_PATH; no solution is bundled).")
