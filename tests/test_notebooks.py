"""Notebooks: a real Jupyter kernel (nbclient + ipykernel) runs a learner's notebook that grades its
class in the kernel (`from grader import notebook`, then `%load_ext grader.notebook`); the notebook
it saves is then graded as a file, with variants (an error in forward, a syntax error, no class),
and the extraction is checked on its own: magics, shell escapes, plots and experiments never run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.sources.notebook import extract, python_lines

nbformat = pytest.importorskip("nbformat")

CLASS = """class DigitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, HIDDEN)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(HIDDEN, 10)

    def forward(self, x):
        h = self.relu(self.fc1(flat(x)))
        return self.fc2(h){tail}"""
# (source, tags) of each code cell; the first cells run as In [1], In [2], ...
CELLS: list[tuple[str, list[str]]] = [
    ("%who\n!echo shell escapes run in the kernel only", []),
    ("import torch\nfrom torch import nn\ntorch?", []),
    ("HIDDEN = 128\n\ndef flat(x):\n    return x.flatten(1)", []),
    (CLASS.format(tail=""), []),
    ("model = DigitClassifier()\nmodel(torch.randn(2, 1, 28, 28)).shape", []),
    ("import matplotlib.pyplot as plt  # not installed: it must not run in the grader\nplt.plot([1, 2])",
     ["raises-exception"]),
    ("from grader import notebook\nnotebook.check('exercise2', DigitClassifier)", []),
    ("%load_ext grader.notebook\n" + CLASS.format(tail=".softmax(dim=1)"), []),
    ("%grade exercise2 DigitClassifier", []),
]
CLASS_CELL = 4  # In [4]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notebook, run top to bottom by a real kernel and saved."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Digits")]
    nb.cells += [nbformat.v4.new_code_cell(source, metadata={"tags": tags}) for source, tags in CELLS]
    folder = tmp_path_factory.mktemp("notebook")
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    path = folder / "digits.ipynb"
    nbformat.write(nb, path)
    return path


def html_of(path: Path, count: int) -> str:
    cell = next(c for c in nbformat.read(path, as_version=4).cells if c.get("execution_count") == count)
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)


def test_the_kernel_grades_its_class_in_a_child_and_shows_html(executed: Path) -> None:
    passing = html_of(executed, 7)
    assert "PASS" in passing and "DigitClassifier in this kernel" in passing
    assert re.search(r"(\d+)/\1 checks passed", passing)
    failing = html_of(executed, 9)  # %load_ext and %grade, after the class was redefined with a softmax
    assert "FAIL" in failing
    first_open = failing.index("<details class='check fail' open>")
    assert "values/reference" in failing[first_open:] and "softmax(logits)" in failing[first_open:]
    assert failing.count(" open>") == 1 and "hint:" in failing and "<b>next:</b>" in failing


def variant(source: Path, folder: Path, name: str, class_cell: str | None) -> Path:
    """The saved notebook with its first class cell replaced (None: removed), execution counts kept."""
    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells if c.get("execution_count") == CLASS_CELL)
    if class_cell is None:
        nb.cells = [c for c in nb.cells if c is not cell and "class DigitClassifier" not in c.source]
    else:
        cell.source = class_cell
        nb.cells = [c for c in nb.cells if "%load_ext" not in c.source]  # the second (softmax) class goes too
    path = folder / name
    nbformat.write(nb, path)
    return path


def test_a_saved_notebook_is_graded_by_its_class_cells(executed: Path, grader_session, tmp_path: Path) -> None:
    files = [
        executed,  # its last definition of the class adds a softmax
        variant(executed, tmp_path, "fixed.ipynb", CLASS.format(tail="")),
        variant(executed, tmp_path, "raises.ipynb", CLASS.format(tail="").replace(
            "return self.fc2(h)", "raise ValueError('not yet')")),
        variant(executed, tmp_path, "broken.ipynb", CLASS.format(tail="").replace("def forward(self, x)",
                                                                                  "def forward(self, x")),
        variant(executed, tmp_path, "empty.ipynb", None),
    ]
    last, fixed, raises, broken, empty = grader_session.check("exercise2", files)
    assert last.status == "fail" and last.first_failure.category == "values"
    assert "softmax(logits)" in (last.first_failure.mistake or "")
    assert fixed.status == "pass", fixed.first_failure  # plots, magics and experiments did not run
    assert raises.first_failure.category == "shape"  # forward raised on the first call
    assert f"ValueError at In [{CLASS_CELL}], line 11, in forward: raise ValueError('not yet')" in \
        raises.first_failure.message
    assert broken.first_failure.id == "load/import"
    assert f'File "{tmp_path / "broken.ipynb"}", In [{CLASS_CELL}], line 9' in broken.first_failure.message
    assert empty.first_failure.id == "load/class" and "defines class DigitClassifier" in empty.first_failure.message


def test_ipython_lines_become_pass_in_place() -> None:
    lines = python_lines("x = 1\n%time y = 2\n!ls\nfiles = !ls\nif x:\n    %who\nx?\n??x")
    assert lines == ["x = 1", "pass", "pass", "pass", "if x:", "    pass", "pass", "pass"]
    assert python_lines("%%bash\necho hi") == []
    assert python_lines("%%time\nX = 1") == ["", "X = 1"]
    assert python_lines("y = (a\n     % b)") == ["y = (a", "     % b)"]  # Python as it is: left alone


def test_only_what_the_class_needs_is_kept() -> None:
    cells = [
        ("In [1]", "import torch\nimport numpy as np\nfrom torch import nn"),
        ("In [2]", "SIZE = 4; data = np.load('train.npz')"),
        ("In [3]", "def helper(x):\n    return x * SCALE\nSCALE = 2"),
        ("In [4]", "@decorate\nclass Net(nn.Module):\n    size = SIZE\n    def forward(self, x):\n"
                   "        y = [v for v in x]\n        return helper(torch.stack(y))"),
        ("In [5]", "for epoch in range(3):\n    loss = Net()(data)\nSCALE = 3"),
        ("cell 7", "def decorate(c):\n    return c\nNet.extra = SIZE"),
    ]
    code = extract(cells, "Net")
    assert code.found
    kept = code.text.splitlines()
    assert "data = np.load('train.npz')" not in code.text and "import numpy" not in code.text
    assert "for epoch" not in code.text
    assert code.places[kept.index("SIZE = 4")] == "In [2], line 1"
    assert kept.count("SCALE = 2") == 1 and "SCALE = 3" in kept  # every assignment of a needed name, in order
    assert code.places[kept.index("@decorate")] == "In [4], line 1"
    assert "Net.extra = SIZE" in kept and code.places[kept.index("Net.extra = SIZE")] == "cell 7, line 3"
    assert not extract(cells, "Other").found
    # a broken definition defined nothing in the kernel: the one that parses is graded
    fixed_later = [("In [1]", "class Net(nn.Module:\n    pass"), *cells]
    assert extract(fixed_later, "Net").text == code.text
    assert "class Net(nn.Module:" in extract(fixed_later[:1], "Net").text


def _notebook(folder: Path, name: str, class_cell: str) -> Path:
    """A saved notebook of three executed code cells: imports and helpers (In [1], In [2]), the class (In [3])."""
    nb = nbformat.v4.new_notebook()
    sources = ["import torch\nfrom torch import nn\n%matplotlib inline",
               "HIDDEN = 128\n\ndef flat(x):\n    return x.flatten(1)", class_cell]
    nb.cells = [nbformat.v4.new_code_cell(source, execution_count=i) for i, source in enumerate(sources, 1)]
    path = folder / name
    nbformat.write(nb, path)
    return path


def test_trace_and_train_run_a_notebooks_class(tmp_path: Path) -> None:
    """`grader trace` and `grader train` take a notebook as `grader check` does: the class's cells run
    (the magic does not), and an error names the cell and its line."""
    from grader import api
    from grader.isolation.portable import start_worker
    from grader.isolation.training import Settings
    from grader.modes.trace import trace_file
    from grader.modes.train import train_file

    right = _notebook(tmp_path, "right.ipynb", CLASS.format(tail=""))
    raises = _notebook(tmp_path, "raises.ipynb", CLASS.format(tail="").replace("return self.fc2(h)",
                                                                               "raise ValueError('not yet')"))
    empty = _notebook(tmp_path, "empty.ipynb", "x = 1")
    with_check = api.trace("exercise2", right)  # with `grader check`'s verdict on the notebook, as the CLI shows it
    assert with_check["status"] == "match" and with_check["check"]["status"] == "pass", with_check["check"]
    zygote = start_worker()
    try:
        traced = trace_file("exercise2", right, zygote=zygote)
        assert traced["status"] == "match" and traced["file"] == str(right), traced.get("error")
        failed = trace_file("exercise2", raises, zygote=zygote)
        assert failed["status"] == "error"
        assert "In [3], line 11, in forward: raise ValueError('not yet')" in failed["error"], failed["error"]
        assert str(tmp_path / "raises.py") not in str(failed)  # the extracted file is never named
        missing = trace_file("exercise2", empty, zygote=zygote)
        assert missing["status"] == "error" and "no code cell defines class DigitClassifier" in missing["error"]
        trained = train_file("exercise2", right, Settings(epochs=1), zygote=zygote)
        assert trained["status"] == "ok" and trained["accuracy"] > 0.5, trained
    finally:
        zygote.close()


def test_hostile_notebooks_fail_alone_and_never_take_down_the_batch(grader_session, tmp_path: Path) -> None:
    """The parent reads a notebook as JSON and syntax trees: JSON nested 100,000 deep, a cell Python's parser
    overflows on, and a cell whose tree is 1,500 levels deep each get a report (no RecursionError or
    MemoryError in the grader, which ended the whole batch with exit 3); a long chain of statements is
    followed in linear time; too many statements or too much code is refused, saying so. The batch goes on."""
    from conftest import SUBMISSIONS

    nested = tmp_path / "nested.ipynb"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    overflow = _notebook(tmp_path, "overflow.ipynb", CLASS.format(tail="") + "\n\nONE = " + "-" * 7000 + "1\n")
    deep = _notebook(tmp_path, "deep.ipynb", CLASS.format(tail="") + "\n\nONE = 1" + " - 1 + 1" * 750 + "\n")
    # a chain of statements each cell needs (every pass over all statements took minutes at 20,000 cells),
    # more statements than the parent analyses, and more code than it parses
    chain = _notebook(tmp_path, "chain.ipynb", "a0 = 0\n" + "".join(f"a{i} = a{i - 1}\n" for i in range(1, 4000))
                      + CLASS.format(tail="").replace("super().__init__()", "super().__init__()\n        a3999"))
    many = _notebook(tmp_path, "many.ipynb", CLASS.format(tail="") + "\n" + "a = 1\n" * 5001)
    big = _notebook(tmp_path, "big.ipynb", CLASS.format(tail="") + "\n" + "# padding\n" * 60_000)
    correct = SUBMISSIONS / "exercise2" / "correct_modules.py"
    reports = grader_session.check("exercise2", [nested, overflow, deep, chain, many, big, correct, correct])
    assert [r.status for r in reports] == ["fail", "fail", "fail", "pass", "fail", "fail", "pass", "pass"]
    assert "its JSON is nested too deeply" in reports[0].first_failure.message
    assert reports[1].first_failure.id == "load/import"
    assert "parser ran out of stack" in reports[1].first_failure.message
    assert "more than 5,000 top-level statements" in reports[4].first_failure.message
    assert "more than 512 KB of code" in reports[5].first_failure.message
