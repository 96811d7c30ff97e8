"""`grader doctor [--json]`: what a learner runs when something is off, and what an instructor asks for
in a bug report. Collects the platform, Python, torch and torchvision versions, the devices torch can
use, the isolation mode in use and what it enforces here, the folders the grader uses, and every
problem found, each with a one-line fix. Starts no worker: one torch import is its whole cost.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check this machine's set-up; what to paste into a bug report",
                       description="Platform, Python, torch and torchvision versions, the devices torch can use, the "
                                   "isolation mode in use (fork or portable) and what it enforces here, the data and "
                                   "workspace folders, and every problem found with a one-line fix. "
                                   "Exit code 1 when a problem was found.")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    report = diagnose()
    print(json.dumps(report, indent=2) if args.json else text(report))
    return 1 if report["problems"] else 0


def diagnose() -> dict[str, Any]:
    """The report: {"platform", "python", "torch", "torchvision", "devices", "isolation", "enforces",
    "folders", "problems": [{"problem", "fix"}]}."""
    from grader.errors import UsageError
    from grader.isolation.portable import ISOLATION_ENV, isolation_mode, safeguards

    problems: list[dict[str, str]] = []
    try:
        mode = isolation_mode()
    except UsageError as err:
        problems.append({"problem": str(err), "fix": f"unset {ISOLATION_ENV}, or set it to portable"})
        mode = "fork" if sys.platform.startswith("linux") else "portable"
    torch_version, devices = _torch(problems)
    folders = _folders(problems)
    if mode == "portable" and os.name == "posix" and os.geteuid() == 0:
        problems.append({"problem": "the grader runs as root, and portable isolation runs your code as root too",
                         "fix": "run as an ordinary user" + (f", or unset {ISOLATION_ENV} (fork isolation gives "
                                                             "each job a uid of its own)"
                                                             if sys.platform.startswith("linux") else "")})
    if importlib.util.find_spec("psutil") is None:
        problems.append({"problem": "psutil is not installed (the grader needs it to find and end processes)",
                         "fix": f"{sys.executable} -m pip install psutil"})
    return {"platform": f"{platform.system()} {platform.release()} ({platform.machine()})",
            "python": f"{platform.python_version()} ({sys.executable})",
            "torch": torch_version, "torchvision": _version("torchvision"),
            "devices": devices, "isolation": mode, "enforces": safeguards(mode), "folders": folders,
            "problems": problems}


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _torch(problems: list[dict[str, str]]) -> tuple[str | None, list[dict[str, str]]]:
    """torch's version and the devices it can use here: [{"device", "name"}], the CPU first."""
    devices = [{"device": "cpu", "name": platform.processor() or platform.machine()}]
    try:
        import torch
    except Exception as err:  # noqa: BLE001 - a broken install is what this command is for
        problems.append({"problem": f"torch cannot be imported ({type(err).__name__}: {err})",
                         "fix": "reinstall it: delete .venv, then `make run` (Windows: `python tools/dev.py run`)"})
        return None, devices
    if torch.cuda.is_available():
        devices += [{"device": f"cuda:{i}", "name": torch.cuda.get_device_name(i)}
                    for i in range(torch.cuda.device_count())]
    elif shutil.which("nvidia-smi"):
        problems.append({"problem": f"an NVIDIA GPU is here but this torch ({torch.__version__}) cannot use it",
                         "fix": "install a CUDA build of torch (see pytorch.org), or grade on the CPU (the default)"})
    if torch.backends.mps.is_available():
        devices.append({"device": "mps", "name": "Apple GPU (Metal Performance Shaders)"})
    elif sys.platform == "darwin" and platform.machine() == "arm64":
        problems.append({"problem": "this Mac has an Apple GPU but torch cannot use it (MPS is not available)",
                         "fix": "upgrade macOS to 12.3 or later and torch (pip install --upgrade torch)"})
    return torch.__version__, devices


def _folders(problems: list[dict[str, str]]) -> dict[str, str]:
    """The data and workspace folders; a folder the grader cannot write is a problem."""
    from grader.course.progress import DATA_DIR_ENV, default_store_path
    from grader.course.workspace import WORKSPACE_ENV, workspace_root

    data, workspace = default_store_path().parent, workspace_root()
    folders = {"data": str(data), "workspace": str(workspace), "temporary": tempfile.gettempdir()}
    if not _writable(data):
        problems.append({"problem": f"the data folder {data} cannot be written",
                         "fix": f"set {DATA_DIR_ENV} to a folder you can write"})
    if not (workspace / "exercises").is_dir():
        problems.append({"problem": f"no workspace here ({workspace} has no exercises/ folder)",
                         "fix": f"run `grader init DIR` and work in DIR (or set {WORKSPACE_ENV})"})
    return folders


def _writable(path: Path) -> bool:
    """Whether `path`, or the nearest folder above it that exists, can be written."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return os.access(path, os.W_OK)


def text(report: dict[str, Any]) -> str:
    """The report as lines a person reads (and pastes into a bug report)."""
    lines = [f"platform     {report['platform']}", f"python       {report['python']}",
             f"torch        {report['torch'] or 'not importable'}",
             f"torchvision  {report['torchvision'] or 'not installed'}",
             "devices      " + ", ".join(f"{d['device']} ({d['name']})" for d in report["devices"]),
             f"isolation    {report['isolation']}"]
    lines += [f"  {name:<13}{how}" for name, how in report["enforces"].items()]
    lines.append("folders")
    lines += [f"  {name:<13}{path or 'none (FORWARDLAB_NO_CACHE is set)'}" for name, path in report["folders"].items()]
    if report["problems"]:
        lines.append(f"problems ({len(report['problems'])})")
        lines += [f"  - {p['problem']}\n    fix: {p['fix']}" for p in report["problems"]]
    else:
        lines.append("problems     none found")
    return "\n".join(lines)
