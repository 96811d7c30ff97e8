"""`grader doctor [--json]`: platform, versions, devices, the isolation in use and what it enforces, folders,
and any problem found with a one-line fix (grader.doctor)."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check this machine's set-up; what to paste into a bug report",
                       description="Platform, Python, torch and torchvision versions, the devices torch can use, the "
                                   "isolation mode in use (fork or portable) and what it enforces here, the data, "
                                   "cache and workspace folders, and every problem found with a one-line fix. "
                                   "Exit code 1 when a problem was found.")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.doctor import diagnose, text

    report = diagnose()
    print(json.dumps(report, indent=2) if args.json else text(report))
    return 1 if report["problems"] else 0
