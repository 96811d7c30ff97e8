"""Course packs: an instructor's exercises are found, validated, graded, self-tested and bundled like
the course's own; `grader new exercise` scaffolds a working one; a broken pack gets one clear error
at `file:line` and never stops the built-in course. The example pack (examples/packs/transformer)
passes its own self-test."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest
from conftest import ROOT, SUBMISSIONS

from grader.cli import main
from grader.course import registry
from grader.course.trust import refusal
from grader.errors import PackError, UsageError
from grader.packs.scaffold import new_exercise
from grader.packs.selftest import pack_test

EXAMPLE = ROOT / "examples" / "packs" / "transformer"
CORRECT2 = SUBMISSIONS / "exercise2" / "correct_modules.py"
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


class Borrowed:
    """Stands in for `Grader(...)` in the CLI: the session's warm workers, left running afterwards (the
    commands run as they do for a user; only the start of their workers, a torch import, is shared)."""

    def __init__(self, grader) -> None:
        self.grader = grader

    def __call__(self, *args, **kwargs) -> Borrowed:
        return self

    def __enter__(self):
        return self.grader

    def __exit__(self, *exc: object) -> None:
        pass


@pytest.fixture
def borrowed_workers(monkeypatch: pytest.MonkeyPatch, grader_session) -> None:
    import grader.grading
    import grader.packs.selftest

    monkeypatch.setattr(grader.grading, "Grader", Borrowed(grader_session))
    monkeypatch.setattr(grader.packs.selftest, "Grader", Borrowed(grader_session))


def scaffold(pack: Path, *ids: str) -> Path:
    for exercise_id in ids:
        new_exercise(exercise_id, pack)
    return pack


def on_path(monkeypatch: pytest.MonkeyPatch, *packs: Path) -> None:
    monkeypatch.setenv("FORWARDLAB_CONTENT_PATH", os.pathsep.join(map(str, packs)))


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


# --- the example pack and the scaffold pass their self-test -----------------------------------

@pytest.mark.xdist_group("example-pack")  # one worker prepares its exercises once, for this test and the guide's
def test_the_example_pack_passes_its_self_test(grader_session) -> None:
    """Every exercise of examples/packs/transformer: solution passes, stub not-started, each declared
    mistake (4 each) named when written out as a submission; one line per exercise, summary last."""
    lines: list[str] = []
    assert pack_test(EXAMPLE, grader_session, emit=lines.append), "\n".join(lines)
    exercises = sorted(p.stem for p in (EXAMPLE / "specs").glob("*.py"))
    assert len(exercises) >= 2 and not {"layernorm", "causal_attention"} - set(exercises)
    assert [line.split()[1].rstrip(":") for line in lines[:-1]] == exercises
    for line in lines[:-1]:
        assert re.match(r"ok +\w+: solution passes \d+ checks, stub is not-started, (\d+)/\1 mistakes named",
                        line), line
    assert re.match(rf"{len(exercises)} exercise\(s\) in .*: {len(exercises)} ok, 0 failing \(", lines[-1])


def test_every_pack_imports_only_the_public_authoring_api() -> None:
    """Pack specs (the built-in course's, the example's and the scaffold's) import grader.authoring, never
    grader's internals: the built-in exercises are declared the one way an instructor's are."""
    template = ROOT / "grader" / "packs" / "templates" / "spec.py.tmpl"
    for spec in [*sorted((ROOT / "content" / "specs").glob("*.py")), *sorted((EXAMPLE / "specs").glob("*.py")),
                 template]:
        tree = ast.parse(spec.read_text().replace("${class_name}", "Name").replace("$id", "name"))
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | \
                  {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        internal = {m for m in modules if m and m.split(".")[0] == "grader" and m != "grader.authoring"}
        assert not internal, f"{spec.name} imports {internal}"


def test_the_authoring_api_is_the_one_the_guide_documents() -> None:
    """docs/authoring.md lists exactly grader.authoring.__all__ (a change to the API changes the guide),
    and every name the built-in specs take from grader is public too."""
    import grader.authoring

    guide = (ROOT / "docs" / "authoring.md").read_text()
    section = guide.split("## The authoring API", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)", section, re.M))
    assert documented == set(grader.authoring.__all__)
    used = set()
    for spec in (ROOT / "content" / "specs").glob("*.py"):
        for node in ast.walk(ast.parse(spec.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("grader."):
                used |= {alias.name for alias in node.names}
    assert used <= set(grader.authoring.__all__), used - set(grader.authoring.__all__)


def test_new_exercise_pack_test_and_check_from_a_fresh_folder(tmp_path: Path, monkeypatch, capsys,
                                                              borrowed_workers) -> None:
    """`grader new exercise` -> `grader pack test .` -> `grader check ID solutions/ID.py`, as an instructor
    types them in an empty folder: every step exits 0."""
    folder = tmp_path / "fresh"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("FORWARDLAB_CONTENT_PATH", raising=False)
    assert main(["new", "exercise", "gated_skip"]) == 0
    out = capsys.readouterr().out
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.py")) == \
        ["exercises/gated_skip.py", "solutions/gated_skip.py", "specs/gated_skip.py"]
    assert (folder / "exercises" / "gated_skip.yaml").is_file() and "next: grader pack test ." in out
    assert main(["pack", "test", "."]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("ok    gated_skip: solution passes") and "3/3 mistakes named" in lines[0]
    assert lines[-1].startswith("1 exercise(s) in .: 1 ok, 0 failing")
    monkeypatch.setenv("FORWARDLAB_CONTENT_PATH", ".")
    assert main(["check", "gated_skip", "solutions/gated_skip.py"]) == 0
    assert "PASS" in capsys.readouterr().out
    assert main(["check", "gated_skip", "exercises/gated_skip.py"]) == 1  # the stub: not started


@pytest.mark.parametrize(("exercise_id", "says"), [
    ("Layer-Norm", "'Layer-Norm' is not a valid exercise id: an exercise id is 1-40 lower-case letters"),
    ("3d", "'3d' is not a valid exercise id"),
    ("exercise3", "exercise id 'exercise3' is already declared in"),
])
def test_new_exercise_refuses_a_bad_id_in_one_line(tmp_path: Path, monkeypatch, capsys, exercise_id: str,
                                                    says: str) -> None:
    monkeypatch.delenv("FORWARDLAB_CONTENT_PATH", raising=False)
    assert main(["new", "exercise", exercise_id, "--dir", str(tmp_path / "pack")]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "pack").exists()


def test_new_exercise_never_overwrites(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("FORWARDLAB_CONTENT_PATH", raising=False)
    stub = scaffold(tmp_path / "pack", "block") / "exercises" / "block.py"
    stub.write_text("# my edits\n")
    assert main(["new", "exercise", "block", "--dir", str(tmp_path / "pack")]) == 2
    assert "not overwriting" in capsys.readouterr().err and stub.read_text() == "# my edits\n"
    assert main(["new", "exercise", "second", "--dir", str(tmp_path / "pack")]) == 0  # adds to the pack
    assert {p.stem for p in (tmp_path / "pack" / "specs").glob("*.py")} == {"block", "second"}


# --- the self-test catches what is wrong -----------------------------------------------------

def test_pack_test_names_each_thing_that_does_not_hold(tmp_path: Path, grader_session) -> None:
    """A wrong solution, a stub that is not a stub, a mistake that equals the reference, two mistakes
    that compute the same, a missing solution, a spec that does not import, a misnamed spec: one FAIL
    line each, and a failing summary."""
    pack = scaffold(tmp_path / "pack", "wrong_work", "weak_mistakes", "no_solution", "broken_spec", "partial",
                    "dead_code")
    # code no case reaches: its mutants compute what the solution does on every input the grader draws
    replace_in(pack / "solutions" / "dead_code.py", "        return x + torch.relu(self.fc(x))",
               "        if x.shape[0] > 10**6:\n            return x * 2 - 1\n"
               "        return x + torch.relu(self.fc(x))")
    replace_in(pack / "solutions" / "wrong_work.py", "x + torch.relu(self.fc(x))", "x + self.fc(x)")
    replace_in(pack / "exercises" / "wrong_work.py", 'raise NotImplementedError("write forward: x + relu(fc(x))")',
               "return x + torch.relu(self.fc(x))")
    weak = pack / "specs" / "weak_mistakes.py"
    replace_in(weak, "lambda s, c, x: x + _fc(s, x)", "lambda s, c, x: x + F.relu(_fc(s, x))")  # the reference
    replace_in(weak, "lambda s, c, x: F.relu(x + _fc(s, x))", "lambda s, c, x: F.relu(_fc(s, x))")  # = mistake 1
    (pack / "solutions" / "no_solution.py").unlink()
    # a mistake that does not apply to a batch of 4 (it raises there, as the grader's diagnosis allows): written
    # out, it is right on a batch of 4 alone, and still named in values (each sample gives the same output alone
    # as in a batch, so the batch size is not what is wrong)
    replace_in(pack / "specs" / "partial.py", "lambda s, c, x: F.relu(_fc(s, x))", "_beyond_four")
    replace_in(pack / "specs" / "partial.py", "class PartialSpec(", "def _beyond_four(s, c, x):\n"
               "    if x.shape[0] == 4:\n        raise ValueError('not for 4')\n    return F.relu(_fc(s, x))\n\n\n"
               "class PartialSpec(")
    replace_in(pack / "specs" / "broken_spec.py", "import torch\n", "import torch\nimport no_such_module\n")
    (pack / "specs" / "Bad-Name.py").write_text("EXERCISE = None\n")
    lines: list[str] = []
    assert not pack_test(pack, grader_session, emit=lines.append)
    assert lines[0] == f"FAIL  {pack / 'specs' / 'Bad-Name.py'}: 'Bad-Name' is not a valid file name for a spec: " \
                       "an exercise id is 1-40 lower-case letters, digits and _, starting with a letter (e.g. " \
                       "layernorm, kv_cache)"
    by_id = {line.split()[1].rstrip(":"): line for line in lines[:-1]}
    assert by_id["wrong_work"].startswith("FAIL")
    assert "the solution wrong_work.py is fail, expected pass (values/reference: " in by_id["wrong_work"]
    assert "the stub wrong_work.py is pass, expected not-started" in by_id["wrong_work"]
    assert "mistake 2 (your output equals x + fc(x): did you forget the ReLU?) is not told apart from the " \
           "reference: its output passes every values check" in \
        by_id["weak_mistakes"]
    assert "mistake 3 (your output equals relu(x + fc(x)): apply the ReLU to fc(x) alone, before adding x) is " \
           "named as mistake 1" in \
        by_id["weak_mistakes"]
    assert f"{pack / 'solutions' / 'no_solution.py'}: missing" in by_id["no_solution"]
    assert re.search(r"specs/broken_spec\.py:\d+: the exercise spec does not import: ModuleNotFoundError: No module "
                     r"named 'no_such_module'", by_id["broken_spec"])
    assert by_id["partial"].startswith("ok    partial:") and "3/3 mistakes named (3 in values)" in \
        by_id["partial"], by_id["partial"]
    assert "of the solution's mutants are rejected in their category (at least 95% must be)" in by_id["dead_code"]
    assert "Sub -> Add (swap-operator#2@14:19) passes" in by_id["dead_code"], by_id["dead_code"]  # each survivor, named
    assert re.search(r"mutants (\d+)/\1 rejected in their category", by_id["partial"]), by_id["partial"]
    assert lines[-1].startswith(f"6 exercise(s) in {pack}: 1 ok, 5 failing, 1 other problem(s) (")


@pytest.mark.parametrize("exercise", ["exercise9", "exercise12"])
def test_built_in_exercises_pass_their_self_test(grader_session, exercise: str) -> None:
    """exercise9 builds a downsample shortcut from a recipe in two of its configs: each declared mistake,
    written out, must compute on the config the model was built with (else the stride-2 one comes out
    the wrong shape and the mistake goes unnamed). exercise12 lists an equivalent mutant: it passes and
    is not counted."""
    from grader.packs.selftest import test_exercise

    verdict = test_exercise(grader_session, ROOT / "content", exercise)
    assert verdict.ok, verdict.line()
    assert re.search(r"mutants (\d+)/\1 rejected in their category", verdict.held), verdict.held
    if exercise == "exercise12":
        assert "(1 equivalent)" in verdict.held


def test_pack_test_of_a_folder_without_exercises_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["pack", "test", str(tmp_path)]) == 2
    assert "holds no exercise" in capsys.readouterr().err


# --- bad pack input: one clear error, the course goes on ----------------------------------------

@pytest.fixture
def broken_pack(tmp_path: Path) -> Path:
    """A pack with one of every kind of bad input, each in its own exercise."""
    pack = scaffold(tmp_path / "broken", "syntax", "raises", "no_reference", "class_not_instance", "bad_yaml",
                    "no_stub", "bad_reference")
    replace_in(pack / "specs" / "syntax.py", "class SyntaxSpec(Exercise):", "class SyntaxSpec(Exercise)")
    replace_in(pack / "specs" / "raises.py", "EXERCISE = RaisesSpec()", "EXERCISE = RaisesSpec()\n1 / 0")
    replace_in(pack / "specs" / "no_reference.py", "    def reference(", "    def not_the_reference(")
    replace_in(pack / "specs" / "class_not_instance.py", "EXERCISE = ClassNotInstanceSpec()",
               "EXERCISE = ClassNotInstanceSpec")
    replace_in(pack / "exercises" / "bad_yaml.yaml", "title: BadYaml", "title: [BadYaml")
    (pack / "exercises" / "no_stub.py").unlink()
    replace_in(pack / "specs" / "bad_reference.py", "return x + F.relu(self.fc(x))", "return x @ self.fc.weight[:3]")
    (pack / "specs" / "Bad-Name.py").write_text("EXERCISE = None\n")
    return pack


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_bad_specs_get_one_error_at_their_line(broken_pack: Path, monkeypatch) -> None:
    on_path(monkeypatch, broken_pack)
    specs = broken_pack / "specs"
    expected = {
        "syntax": f"{specs / 'syntax.py'}:{line_of(specs / 'syntax.py', 'class SyntaxSpec')}: the exercise spec does "
                  "not import: SyntaxError: expected ':'",
        "raises": f"{specs / 'raises.py'}:{line_of(specs / 'raises.py', '1 / 0')}: the exercise spec does not import: "
                  "ZeroDivisionError: division by zero",
        "no_reference": f"{specs / 'no_reference.py'}:{line_of(specs / 'no_reference.py', 'class NoReferenceSpec')}: "
                        "NoReferenceSpec has no reference(): define reference(self, config)",
        "class_not_instance": f"{specs / 'class_not_instance.py'}:"
                              f"{line_of(specs / 'class_not_instance.py', 'EXERCISE =')}: EXERCISE is the class "
                              "ClassNotInstanceSpec, not an instance",
    }
    for exercise_id, says in expected.items():
        with pytest.raises(PackError) as err:
            registry.load(exercise_id)
        assert str(err.value).startswith(says), str(err.value)
        assert "\n" not in str(err.value)


def test_a_reference_that_fails_is_reported_at_its_line(broken_pack: Path, monkeypatch, grader_session) -> None:
    on_path(monkeypatch, broken_pack)
    spec = broken_pack / "specs" / "bad_reference.py"
    with pytest.raises(PackError) as err:
        grader_session.check("bad_reference", [broken_pack / "solutions" / "bad_reference.py"])
    line = line_of(spec, "self.fc.weight[:3]")
    assert re.fullmatch(rf"{re.escape(str(spec))}:{line}: bad_reference: the reference raised on case [\w/-]+: "
                        rf"RuntimeError at line {line}, in forward: return x @ self.fc.weight\[:3\]: mat1 and mat2 .*",
                        str(err.value)), str(err.value)


def test_a_broken_pack_is_listed_as_warnings_and_the_course_keeps_working(broken_pack: Path, monkeypatch, capsys,
                                                                          grader_session) -> None:
    """`grader list` lists the course and the pack's sound exercises, then one warning line per problem
    (the YAML error at its line, the missing stub, the misnamed spec); the course's exercises grade
    as before; a CLI check of a broken exercise is exit 2 with one line."""
    on_path(monkeypatch, broken_pack)
    assert main(["list", "--json"]) == 0
    captured = capsys.readouterr()
    listed = [item["id"] for item in __import__("json").loads(captured.out)]
    assert listed[:3] == ["exercise1", "exercise2", "exercise3"] and "syntax" in listed and "bad_yaml" not in listed
    warnings = captured.err.strip().splitlines()
    yaml_file = broken_pack / "exercises" / "bad_yaml.yaml"
    yaml_line = line_of(yaml_file, "summary:")  # where the parser finds the unclosed [ of the line before
    assert f"warning: {yaml_file}:{yaml_line}: malformed YAML" in warnings[-1], warnings
    assert f"warning: {broken_pack / 'exercises' / 'no_stub.py'}: missing: exercise 'no_stub' needs the learner's " \
           "stub" in captured.err
    assert "'Bad-Name' is not a valid file name for a spec" in captured.err
    assert all(w.startswith("warning: ") for w in warnings)
    report, = grader_session.check("exercise2", [CORRECT2])
    assert report.status == "pass"
    assert main(["check", "bad_yaml", str(broken_pack / "solutions" / "bad_yaml.py")]) == 2
    err = capsys.readouterr().err
    assert f"{yaml_file}:{yaml_line}: malformed YAML" in err and len(err.strip().splitlines()) == 1
    assert main(["check", "raises", str(broken_pack / "solutions" / "raises.py")]) == 2
    err = capsys.readouterr().err.strip()
    assert "raises.py:" in err and "ZeroDivisionError" in err and "Traceback" not in err and "\n" not in err


def test_an_id_two_packs_declare_is_an_error_naming_both_and_only_that_id_fails(tmp_path: Path, monkeypatch) -> None:
    first, second = scaffold(tmp_path / "one", "clash"), scaffold(tmp_path / "two", "clash", "own")
    on_path(monkeypatch, first, second)
    with pytest.raises(PackError, match=rf"exercise id 'clash' is declared twice: in {first}.* and in {second}"):
        registry.resolve("clash")
    assert registry.resolve("own") == "own" and registry.resolve("2") == "exercise2"
    assert "clash" not in registry.exercise_ids()
    assert any("declared twice" in p for p in registry.problems())


def test_the_app_lists_a_packs_problems_with_the_contents(tmp_path: Path, monkeypatch) -> None:
    """The terminal app's home lists what keeps a pack's exercise from being graded (here an id two packs
    declare, and a spec without its YAML) beside the content files' own problems; the rest opens."""
    from tui_support import run_async

    from grader.course.content import default_content_dir
    from grader.course.progress import ProgressStore
    from tui.app import ForwardLabApp

    first, second = scaffold(tmp_path / "one", "clash"), scaffold(tmp_path / "two", "clash", "own")
    (second / "exercises" / "own.yaml").unlink()
    on_path(monkeypatch, first, second)
    store = ProgressStore(tmp_path / "progress.sqlite3")
    app = ForwardLabApp(store, content_dirs=[default_content_dir(), first, second])

    @run_async
    async def drive() -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            listing = str(app.screen.query_one("#problem-list").render())
            assert "exercise id 'clash' is declared twice" in listing, listing
            assert "own.yaml" in listing, listing
            assert listing.count("declared twice") == 1  # the pack's problem is not repeated from the contents

    drive()
    store.close()


def test_a_pack_folder_that_does_not_exist_is_a_problem_not_a_crash(tmp_path: Path, monkeypatch) -> None:
    on_path(monkeypatch, tmp_path / "nowhere")
    assert registry.exercise_ids()[0] == "exercise1"
    assert registry.problems() == [f"{tmp_path / 'nowhere'}: FORWARDLAB_CONTENT_PATH names this course pack, but it "
                                   "is not a folder"]
    with pytest.raises(UsageError, match=r"unknown exercise 'layernorm'; .*a course pack was not loaded: .*nowhere"):
        registry.resolve("layernorm")


# --- packs a learner could write are refused when grading as root -------------------------------

ME = frozenset({0, getattr(os, "getuid", lambda: 0)()})  # root owns the folders above any pack


@pytest.mark.parametrize(("mode", "who"), [(0o775, "its group"), (0o757, "others"), (0o777, "its group and others")])
def test_a_pack_writable_by_others_is_refused(tmp_path: Path, mode: int, who: str) -> None:
    pack = scaffold(tmp_path / "pack", "block")
    assert refusal(pack, ME) is None
    (pack / "specs").chmod(mode)
    assert refusal(pack, ME) == f"refusing to load the course pack {pack} as root: {pack / 'specs'} is writable by " \
                                f"{who}, who could change what the grader runs (chmod go-w {pack / 'specs'})"
    (pack / "specs").chmod(0o755)
    (pack / "specs" / "block.py").chmod(0o666)  # a file, not only a folder
    assert "block.py is writable by its group and others" in (refusal(pack, ME) or "")


def test_a_pack_below_an_open_folder_or_linking_out_is_refused(tmp_path: Path) -> None:
    pack = scaffold(tmp_path / "open" / "pack", "block")
    (tmp_path / "open").chmod(0o777)  # anyone could swap the pack for another
    assert f"{tmp_path / 'open'} is writable by its group and others" in (refusal(pack, ME) or "")
    (tmp_path / "open").chmod(0o1777)  # sticky, like /tmp: others cannot rename what they do not own
    assert refusal(pack, ME) is None
    (tmp_path / "linked").symlink_to(pack)
    assert refusal(tmp_path / "linked", ME) is None  # a link to a sound pack is that pack
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    loose.chmod(0o777)
    (loose / "helper.py").write_text("")
    (pack / "specs" / "helper.py").symlink_to(loose / "helper.py")  # a link in the pack: its target counts
    assert f"{loose} is writable by its group and others" in (refusal(pack, ME) or "")


@pytest.mark.skipif(not AS_ROOT, reason="the refusal applies to a grader running as root")
def test_as_root_an_unsafe_pack_is_not_loaded_and_grading_says_why(tmp_path: Path, monkeypatch, capsys) -> None:
    pack = scaffold(tmp_path / "pack", "block")
    on_path(monkeypatch, pack)
    assert registry.resolve("block") == "block"
    os.chown(pack / "specs" / "block.py", 12345, -1)  # a learner's file
    assert f"{pack / 'specs' / 'block.py'} is owned by uid 12345, not root" in registry.problems()[0]
    os.chown(pack / "specs" / "block.py", 0, -1)
    pack.chmod(0o777)
    assert main(["check", "block", str(pack / "solutions" / "block.py")]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown exercise 'block'; valid: exercise1" in err and f"refusing to load the course pack {pack} as " \
        f"root: {pack} is writable by its group and others" in err and "\n" not in err
    assert registry.resolve("2") == "exercise2"


# --- pack exercises everywhere the course's are ----------------------------------------------

def test_pack_exercises_are_listed_initialised_and_placed_in_the_course(tmp_path: Path, monkeypatch, capsys) -> None:
    from grader.api import list_exercises
    from grader.course.content import load_course
    from grader.course.dashboard import summary
    from grader.course.outline import build_outline
    from grader.course.progress import ProgressStore
    from grader.course.workspace import init_workspace
    from tui.screens.trace_screen import exercise_choices

    on_path(monkeypatch, EXAMPLE)
    ids = [i.id for i in list_exercises()]
    assert ids[:14] == [f"exercise{n}" for n in range(1, 15)] and ids[14:] == ["causal_attention", "layernorm"]
    init_workspace(tmp_path / "ws")
    assert (tmp_path / "ws" / "exercises" / "layernorm.py").read_text() == \
        (EXAMPLE / "exercises" / "layernorm.py").read_text()
    course = load_course()
    assert course.problems == []
    store = ProgressStore(tmp_path / "progress.sqlite3")
    outline = build_outline(course, store)
    assert [e["id"] for e in summary(course, store)["exercises"]][14:] == ["causal_attention", "layernorm"]
    store.close()
    titles = [item.title for item in outline]
    lesson = titles.index("Two transformer blocks by hand")  # the pack's own lesson, with its exercises after it
    assert titles[lesson + 1:lesson + 3] == ["Exercise: Causal self-attention", "Exercise: LayerNorm by hand"]
    assert "Exercise 3: TinyCNN" in titles
    choices = exercise_choices(course)
    assert choices[2] == ("3. TinyCNN", "exercise3") and choices[-1] == ("LayerNorm by hand", "layernorm")


def test_a_pack_exercise_is_opened_hinted_and_checked_in_the_app(tmp_path: Path, monkeypatch) -> None:
    """In the terminal app the pack's exercises follow its lesson in the outline; opening one shows its
    task, reveals its hints and sends a check of the learner's file for that id to the grading worker."""
    from textual.widgets import Static
    from tui_support import fake_factory, make_report, run_async

    from grader.course.content import default_content_dir
    from grader.course.progress import ProgressStore
    from tui.app import ForwardLabApp
    from tui.screens.exercise_screen import ExerciseScreen
    from tui.widgets.course_outline import CourseOutline

    on_path(monkeypatch, EXAMPLE)
    monkeypatch.setenv("FORWARDLAB_WORKSPACE", str(tmp_path))
    store = ProgressStore(tmp_path / "progress.sqlite3")
    client, factory = fake_factory(store, make_report("pass"))
    app = ForwardLabApp(store, content_dirs=[default_content_dir(), EXAMPLE], grading_client=factory)

    @run_async
    async def drive() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            options = [o.id for o in app.screen.query_one(CourseOutline).options]
            at = options.index("lesson:transformer-blocks")
            assert options[at + 1:at + 3] == ["exercise:causal_attention", "exercise:layernorm"]
            app.open_item("exercise", "layernorm")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, ExerciseScreen)
            await pilot.press("h")
            await pilot.pause()
            assert "Every statistic is per position" in str(app.screen.query_one("#hints", Static).content)
            await pilot.press("c")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert client.checked == [("layernorm", str(tmp_path / "exercises" / "layernorm.py"))]

    drive()
    store.close()


def test_content_check_of_a_pack_reports_its_exercise_files(tmp_path: Path, capsys) -> None:
    pack = scaffold(tmp_path / "pack", "block")
    assert main(["content", "check", str(pack)]) == 0
    assert capsys.readouterr().out.strip() == "0 lessons, 0 quizzes (0 questions), 1 exercise"
    (pack / "exercises" / "block.py").unlink()
    assert main(["content", "check", str(pack)]) == 1
    assert f"{pack / 'exercises' / 'block.py'}: missing" in capsys.readouterr().out


def test_new_commands_explain_themselves_in_help(capsys) -> None:
    for argv, says in ((["new", "exercise", "--help"], "never overwritten"),
                       (["pack", "test", "--help"], "one line per exercise")):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 0
        assert says in " ".join(capsys.readouterr().out.split()).lower()


# --- the authoring guide's commands ----------------------------------------------------------

def guide_blocks() -> list[list[str]]:
    """The command lines of every ```sh block of docs/authoring.md, comments kept."""
    guide = (ROOT / "docs" / "authoring.md").read_text()
    return [block.strip().splitlines() for block in re.findall(r"```sh\n(.*?)```", guide, re.S)]


@pytest.mark.xdist_group("example-pack")
def test_every_command_of_the_authoring_guide_works(tmp_path: Path, monkeypatch, capsys, borrowed_workers) -> None:
    """Each ```sh block of the guide runs, command by command, where its first line says (an empty
    folder, or the repository's root); every command exits 0. Only `grader` and `export` may
    appear, so that nothing in the guide goes untested."""
    places = {"# in an empty folder": tmp_path / "empty", "# from the repository's root": ROOT}
    blocks = guide_blocks()
    commands = [line for block in blocks for line in block if not line.startswith("#")]
    assert {"grader new exercise residual", "grader pack test .", "grader check residual solutions/residual.py",
            "grader pack test examples/packs/transformer"} <= set(commands)
    for block in blocks:
        assert block[0] in places, f"a ```sh block of the guide must start with one of {list(places)}"
        places[block[0]].mkdir(exist_ok=True)
        monkeypatch.chdir(places[block[0]])
        monkeypatch.delenv("FORWARDLAB_CONTENT_PATH", raising=False)
        for line in block[1:]:
            monkeypatch.setenv("PWD", os.getcwd())
            words = os.path.expandvars(line).split()
            if words[0] == "export":
                name, _, value = words[1].partition("=")
                monkeypatch.setenv(name, value)
                continue
            assert words[0] == "grader", f"the guide runs {line!r}: only grader and export are tested"
            assert main(words[1:]) == 0, f"{line!r} failed:\n{capsys.readouterr()}"
    out = capsys.readouterr().out
    assert "2 exercise(s) in examples/packs/transformer: 2 ok, 0 failing" in out
    assert "1 exercise(s) in .: 1 ok, 0 failing" in out
