"""The two set-up commands on every platform: `python scripts/dev.py run` and `python scripts/dev.py test`.

What `make run` and `make test` do (the Makefile calls this script), for machines without make (Windows):
create `.venv` on first use and install the project into it with its test tools (again whenever
pyproject.toml changes), then
  run    create a learner workspace (default ./workspace, never overwritten) and start the terminal app;
  test   lint (ruff), type-check (mypy), check the layers (import-linter), then the suite on two workers;
  lint   the first half of test;
  bench  the single-check latency benchmark;
  clean  remove .venv and build files.
Standard library only: it runs on the Python that creates the venv.

    python scripts/dev.py {run,test,lint,bench,clean} [--venv .venv] [--workspace workspace]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tool(env_dir: Path, name: str) -> str:
    """A program installed in the venv (python, grader, ruff, ...), where this platform puts it."""
    folder = env_dir / ("Scripts" if os.name == "nt" else "bin")
    return str(folder / (f"{name}.exe" if os.name == "nt" else name))


def installed(env_dir: Path) -> Path:
    """The venv, created and with the project installed; reinstalled when pyproject.toml is newer."""
    stamp = env_dir / ".installed"
    if stamp.exists() and stamp.stat().st_mtime >= (ROOT / "pyproject.toml").stat().st_mtime:
        return env_dir
    if not Path(tool(env_dir, "python")).exists():
        venv.EnvBuilder(with_pip=True).create(env_dir)
    step([tool(env_dir, "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[test]"])
    stamp.touch()
    return env_dir


def step(command: list[str], env: dict[str, str] | None = None, quiet: bool = False) -> None:
    """Run `command` in the repository; stop here with its exit code if it fails."""
    code = subprocess.call(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL if quiet else None)
    if code:
        sys.exit(code)


def lint(env_dir: Path) -> None:
    python = tool(env_dir, "python")  # tools as modules: the same on every platform and venv layout
    step([python, "-m", "ruff", "check", "."])
    step([python, "-m", "mypy"])
    step([python, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="scripts/dev.py", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("run", "test", "lint", "bench", "clean"))
    parser.add_argument("--venv", default=".venv", help="where the virtual environment lives (default: .venv)")
    parser.add_argument("--workspace", default="workspace", help="the learner workspace of `run` (default: workspace)")
    args = parser.parse_args(argv)
    env_dir = ROOT / args.venv
    if args.command == "clean":
        for path in (env_dir, ROOT / "build", *ROOT.glob("*.egg-info")):
            shutil.rmtree(path, ignore_errors=True)
        return
    installed(env_dir)
    if args.command == "run":  # the app on a workspace of your own (created on first run, never overwritten)
        step([tool(env_dir, "grader"), "init", args.workspace], quiet=True)
        step([tool(env_dir, "forwardlab")], env={**os.environ, "FORWARDLAB_WORKSPACE": args.workspace})
    elif args.command == "bench":
        step([tool(env_dir, "python"), "bench/grade_latency.py"])
    else:
        lint(env_dir)  # seconds: before the suite
        if args.command == "test":  # two workers: most tests wait on a subprocess or a grading child
            step([tool(env_dir, "python"), "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup"])


if __name__ == "__main__":
    main()
