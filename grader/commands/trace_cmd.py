"""`grader trace EXERCISE [FILE] [--batch N] [--json]`: the data flowing through your forward, stage by stage."""

from __future__ import annotations

import argparse
import json

from grader.commands.common import add_exercise


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("trace", help="show each stage of your forward on a real batch, beside the reference",
                       description="Run your model once (on real digits for exercises 2 and 3) and list every stage "
                                   "the data passes through: submodule calls and functions like F.relu, with shapes, "
                                   "a few values, and whether each stage matches the reference. "
                                   "Exit code 0 when your output matches the reference's, 1 otherwise.")
    add_exercise(p)
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="your .py file or notebook (.ipynb) (default: the workspace's exercises/EXERCISE.py)")
    p.add_argument("--batch", type=int, default=None, metavar="N",
                   help="batch size (default: 64 digits for exercises 2 and 3, else the exercise's own)")
    p.add_argument("--json", action="store_true", help="print the trace as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.api import trace
    from grader.course.registry import resolve
    from grader.grading import submission_paths

    submission_paths(resolve(args.exercise), [args.file])  # usage errors before anything starts
    result = trace(args.exercise, args.file, batch=args.batch)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        from rich.console import Console

        console = Console()
        console.print(trace_view(result, console.width))
    return 0 if result["status"] == "match" else 1


VERDICTS = {"match": ("your output matches the reference's", "bold green"),
            "differs": ("your output differs from the reference's", "bold red"),
            "error": ("your forward did not run to the end", "bold red"),
            "not-started": ("not started: forward still raises NotImplementedError", "bold yellow")}
MARKS = {True: ("✓", "green"), False: ("✗", "red"), None: ("·", "dim")}


def trace_view(result: dict, width: int = 80):
    """The trace as a rich table, the first diverging stage highlighted, then the verdict. Wider
    terminals also get each stage's value range and its counterpart in the reference."""
    from rich import box
    from rich.console import Group, RenderableType
    from rich.table import Table
    from rich.text import Text

    from grader.modes.verdict import check_note
    from grader.output.text import prose

    if not result["stages"]:  # it did not even load: nothing ran, only the reason is worth showing
        return prose(f"✗ your model could not be run: {result['error']}", "bold red")
    note = check_note(result.get("check"), "trace")
    wide = width >= 120
    table = Table(title=f"{result['exercise']} · {result['file']} · {result['inputs']}", title_justify="left",
                  header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    columns = ["#", "stage"] + (["in"] if width >= 100 else []) + ["out", "values (first item)"] \
        + (["range", "reference"] if wide else []) + [""]
    for column in columns:  # the values give way first on a narrow terminal
        table.add_column(column, no_wrap=True, style="dim" if column == "#" else None,
                         min_width=len(column) if column != "values (first item)" else 12)
    first = (result["first_divergence"] or {}).get("index")
    for row in result["stages"]:
        mark, color = MARKS[row["matches"]]
        cells = {"#": str(row["index"]), "stage": row["label"], "in": row["in_shape"],
                 "out": Text(row["out_shape"], style="bold"), "values (first item)": _values(row["sample"]),
                 "range": _range(row), "reference": f"{row['reference']['label']} {row['reference']['out_shape']}"
                 if row["reference"] else "—", "": Text(mark + (" ◀" if row["index"] == first else ""), style=color)}
        table.add_row(*(cells[c] for c in columns), style="bold red" if row["index"] == first else None)
    if first == len(result["stages"]) + 1:  # the forward raised: the error is where the data stopped
        table.add_row(*({"#": str(first), "stage": "raised", "out": result["error"].split()[0],
                         "": "✗ ◀"}.get(c, "") for c in columns), style="bold red")
    verdict, style = VERDICTS[result["status"]]
    parts: list[RenderableType] = [prose("✗ " + note, "bold yellow")] if note else []
    parts += [table, Text.assemble(("● ", style), (verdict, style))]
    if result["first_divergence"]:
        parts.append(prose("◀ " + result["first_divergence"]["message"], "yellow"))
    elif result["error"] and result["status"] != "not-started":
        parts.append(prose(result["error"], "red"))
    if result["truncated"]:
        parts.append(Text(f"(only the first {len(result['stages'])} stages are shown)", style="dim"))
    parts.append(Text("✓ same as the reference at that stage · ✗ differs · · no counterpart in the reference",
                      style="dim"))
    return Group(*parts)


def _values(sample: list[float]) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in sample) + "]" if sample else ""


def _range(row: dict) -> str:
    return f"{row['min']:.3g} … {row['max']:.3g}" if row["min"] is not None else ""
