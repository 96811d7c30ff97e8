"""The import split, enforced: grader/ never loads Textual; tui/ and the CLI's startup never load torch.

Each check imports modules in a fresh interpreter and inspects sys.modules there.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import grader
import tui


def loaded_after(imports: list[str]) -> set[str]:
    code = ("import importlib, json, sys\n"
            f"for name in {imports!r}:\n    importlib.import_module(name)\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def modules_of(package) -> list[str]:
    """Every module of the package except __main__ (importing that runs the program)."""
    return [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
            if not m.name.endswith(".__main__")]


def test_no_grader_module_imports_textual_or_the_tui() -> None:
    loaded = loaded_after(modules_of(grader))
    assert not {m for m in loaded if m == "textual" or m.startswith(("textual.", "tui"))}


@pytest.mark.parametrize("entry", ["tui.app", "tui.__main__"])
def test_the_tui_starts_without_torch(entry: str) -> None:
    loaded = loaded_after([entry, *modules_of(tui)])
    assert not {m for m in loaded if m.split(".")[0] in ("torch", "torchvision", "numpy")}


@pytest.mark.parametrize("entry", ["grader.cli", "grader.api", "grader.report", "grader.course.progress",
                                   "grader.service"])
def test_grader_entry_points_do_not_import_torch(entry: str) -> None:
    """The CLI must parse arguments and start its grading worker before paying for torch."""
    assert "torch" not in loaded_after([entry])


def test_every_command_registers_without_torch() -> None:
    import grader.commands

    assert "torch" not in loaded_after(["grader.cli", *modules_of(grader.commands)])


def test_no_import_cycles_at_any_level() -> None:
    """Strongly connected modules, function-level imports included (annotations-only imports aside)."""
    import grimp

    graph = grimp.build_graph("grader", "tui", exclude_type_checking_imports=True)
    ours = {m for m in graph.modules if m.split(".")[0] in ("grader", "tui")}
    cycles = [(a, b) for a in ours for b in graph.find_modules_directly_imported_by(a)
              if b in ours and a != b and graph.chain_exists(importer=b, imported=a)]
    assert cycles == []


def test_the_folders_show_the_layers() -> None:
    """A short top level, and a docstring in every subpackage saying what it is and what it may import."""
    top = [m.name for m in pkgutil.iter_modules(grader.__path__) if not m.ispkg]
    assert len(top) <= 12, top
    for package in [m for m in pkgutil.iter_modules(grader.__path__) if m.ispkg]:
        module = __import__(f"grader.{package.name}", fromlist=["_"])
        doc = module.__doc__ or ""
        assert "may import" in " ".join(doc.lower().split()), f"grader.{package.name} does not say what it may import"
