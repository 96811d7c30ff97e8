"""`grader pack test DIR`: a course pack's self-test, one line per exercise and a summary line last.

For each exercise of the pack: its files are all there and its YAML is valid; its spec imports and
declares a usable exercise; its solution passes every check; its stub is judged not-started; and
each mistake it declares, written out as a submission (the solution's class with a forward that
returns what the mistake computes), fails with that mistake named, in whatever check category names
it; and mutants of the solution (grader.judging.mutants: small realistic defects) are rejected, at
least 95% of them in a category they target, the survivors listed. The files of one exercise are
graded as one batch on warm workers (`Grader.check`).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import registry
from grader.course.content import ENV_VAR, ContentError, load_exercise_meta, pack_course
from grader.errors import PackError, UsageError
from grader.grading import Grader
from grader.judging.mutants import GATE, Mutant, mutate
from grader.judging.spec import Exercise, Mistake
from grader.report import Report

# A declared mistake as a submission: the spec and the solution travel inside it (the child reads
# its own file before it drops privileges, and may not reach the pack's folder after). Where the
# mistake does not apply (it raises for those inputs), the learner who makes it gets the solution's
# output, as the grader's diagnosis assumes.
MISTAKE_SUBMISSION = '''\
"""Mistake {index} of {id}, written out by `grader pack test`: the solution's class, whose forward
returns what the mistake computes from the model's own weights."""

import sys
import types


def _module(name, source, filename):
    module = types.ModuleType(name)
    module.__file__ = filename
    sys.modules[name] = module  # dataclasses look their module up by name
    exec(compile(source, filename, "exec"), module.__dict__)
    return module


_EXERCISE = _module("forwardlab_pack_spec_{id}", {spec_source!r}, {spec!r}).EXERCISE
_Solution = getattr(_module("forwardlab_pack_solution_{id}", {solution_source!r}, {solution!r}), {class_name!r})
_MISTAKE = _EXERCISE.mistakes()[{index}]


def _matches(config, args, kwargs):
    """Whether the model was built with `config` (a module the grader built from a config's recipe,
    such as a downsample shortcut, stands for that recipe)."""
    if tuple(config.args) != args or set(config.kwargs) != set(kwargs):
        return False
    return all(kwargs[k] == v or hasattr(kwargs[k], "forward") for k, v in config.kwargs.items())


class {class_name}(_Solution):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mistake_config = next((c for c in _EXERCISE.configs if _matches(c, args, kwargs)),
                                   _EXERCISE.configs[0])

    def forward(self, *args, **kwargs):
        weights = {{**dict(self.named_parameters()), **dict(self.named_buffers())}}
        try:
            return _MISTAKE.forward(weights, self.mistake_config, *args, **kwargs)
        except Exception:  # the mistake does not apply to these inputs (the grader skips it there too)
            return super().forward(*args, **kwargs)
'''


@dataclass
class Verdict:
    """One exercise's self-test: what held (`held`) or what did not (`problems`)."""

    exercise: str
    problems: list[str] = field(default_factory=list)
    held: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        return f"ok    {self.exercise}: {self.held}" if self.ok else \
            f"FAIL  {self.exercise}: {'; '.join(self.problems)}"


def pack_test(pack: Path, grader: Grader | None = None, emit: Callable[[str], None] = print) -> bool:
    """Run the self-test of the pack at `pack`, emitting one line per exercise (as each is done) and
    the summary last; True when everything held. `grader`: warm workers to reuse (else two are started)."""
    pack = Path(pack)
    if not pack.is_dir():
        raise UsageError(f"no such folder: {pack}")
    specs = [p for p in (pack / "specs").glob("*.py") if not p.stem.startswith("_")]
    ids = sorted((p.stem for p in specs if not registry.name_problem(p)), key=registry.order)
    if not specs:
        raise UsageError(f"{pack} holds no exercise: a pack declares each one in specs/ID.py "
                         f"(`grader new exercise ID --dir {pack}` writes a working one)")
    start = time.perf_counter()
    with on_content_path(pack):
        general = [m for m in map(registry.name_problem, sorted(specs)) if m] + _general_problems(pack)
        for problem in general:
            emit(f"FAIL  {problem}")
        refused = any(p.startswith("refusing") for p in general)
        verdicts = []
        with nullcontext(grader) if grader is not None else Grader(jobs=2) as workers:
            for exercise_id in [] if refused else ids:
                verdict = test_exercise(workers, pack, exercise_id)
                emit(verdict.line())
                verdicts.append(verdict)
    failing = sum(not v.ok for v in verdicts)
    emit(f"{len(ids)} exercise(s) in {pack}: {len(verdicts) - failing} ok, {len(ids) - len(verdicts) + failing} "
         f"failing" + (f", {len(general)} other problem(s)" if general else "")
         + f" ({time.perf_counter() - start:.1f} s)")
    return not general and failing == 0 and len(verdicts) == len(ids)


@contextmanager
def on_content_path(pack: Path) -> Iterator[None]:
    """`pack` among the content packs while the block runs (added to $FORWARDLAB_CONTENT_PATH unless on it)."""
    old = os.environ.get(ENV_VAR)
    parts = [p for p in (old or "").split(os.pathsep) if p]
    if any(Path(p).resolve() == pack.resolve() for p in parts):
        yield
        return
    os.environ[ENV_VAR] = os.pathsep.join([*parts, str(pack.resolve())])
    try:
        yield
    finally:
        if old is None:
            del os.environ[ENV_VAR]
        else:
            os.environ[ENV_VAR] = old


def _general_problems(pack: Path) -> list[str]:
    """Problems of the pack not tied to one exercise: a refusal to load it, its other content files."""
    refused = [p for p in registry.problems() if p.startswith("refusing") and str(pack.resolve()) in p]
    exercise_yaml = {str(pack / "exercises" / f"{p.stem}.yaml") for p in (pack / "specs").glob("*.py")}
    content = [str(p) for p in pack_course(pack).problems if p.file not in exercise_yaml]
    return refused + content


def test_exercise(grader: Grader, pack: Path, exercise_id: str) -> Verdict:
    """The self-test of one exercise of `pack` (which must be on the content path)."""
    files = {what: pack / folder / f"{exercise_id}.py" for what, folder in
             (("spec", "specs"), ("stub", "exercises"), ("solution", "solutions"))}
    verdict = Verdict(exercise_id, _file_problems(pack, exercise_id, files["solution"]))
    if not verdict.ok:
        return verdict
    try:
        ex = registry.load(exercise_id)
        mistakes = _mistakes(ex, files["spec"])
        found = mutate(files["solution"].read_text(encoding="utf-8"), ex.class_name, ex.forward_args)
        with tempfile.TemporaryDirectory(prefix="forwardlab-pack-") as tmp:
            written = _write_mistakes(ex, files["spec"], files["solution"], Path(tmp), len(mistakes))
            written += _write_mutants(found, Path(tmp))
            # the pack's own files, which import its spec
            solution, stub, *graded = grader.check(exercise_id, [files["solution"], files["stub"], *written],
                                                   trusted=True)
        wrong, mutated = graded[:len(mistakes)], graded[len(mistakes):]
    except (PackError, SyntaxError) as err:
        verdict.problems.append(str(err))
        return verdict
    verdict.problems += _expect(solution, "pass", f"the solution {files['solution'].name}")
    verdict.problems += _expect(stub, "not-started", f"the stub {files['stub'].name}")
    named: Counter[str] = Counter()
    for index, report in enumerate(wrong):
        category, problem = _named(report, index, mistakes)
        if problem:
            verdict.problems.append(problem)
        else:
            named[category] += 1
    killed, counted, survivors, wrongly = _mutation_score(found, mutated, ex.equivalent_mutants)
    if counted and killed / counted < GATE:
        verdict.problems.append(f"only {killed}/{counted} ({killed / counted:.0%}) of the solution's mutants are "
                                f"rejected in their category (at least {GATE:.0%} must be): add cases or checks "
                                "that tell these apart: " + "; ".join(survivors))
    if wrongly:
        verdict.problems.append("listed in equivalent_mutants, but rejected: " + "; ".join(wrongly))
    by_category = ", ".join(f"{n} in {c}" for c, n in named.items())
    equivalent = len(found) - counted
    verdict.held = (f"solution passes {len(solution.checks)} checks, stub is not-started, "
                    + (f"{len(mistakes)}/{len(mistakes)} mistakes named ({by_category})" if mistakes
                       else "no mistakes declared (declare some: a named mistake is the best feedback)")
                    + (f", mutants {killed}/{counted} rejected in their category" if found else ", no mutants made")
                    + (f" ({equivalent} equivalent)" if equivalent else "")
                    + (f" (not: {'; '.join(survivors)})" if survivors else ""))
    return verdict


def _write_mutants(found: list[Mutant], folder: Path) -> list[Path]:
    written = [folder / f"mutant{index + 1}.py" for index in range(len(found))]
    for mutant, path in zip(found, written, strict=True):
        path.write_text(mutant.source, encoding="utf-8")
    return written


def _mutation_score(found: list[Mutant], reports: list[Report],
                    equivalent: Mapping[str, str]) -> tuple[int, int, list[str], list[str]]:
    """(mutants whose first failure is in a category they target, mutants counted, the others with what
    happened to each, the mutants listed as `equivalent` that do not pass). Equivalent ones are not counted."""
    killed, counted, survivors, wrongly = 0, 0, [], []
    for mutant, report in zip(found, reports, strict=True):
        first = report.first_failure
        if mutant.name in equivalent:
            if report.status != "pass":
                wrongly.append(f"{mutant.description} ({mutant.name})")
            continue
        counted += 1
        if report.status == "pass" or first is None:
            survivors.append(f"{mutant.description} ({mutant.name}) passes")
        elif first.category not in mutant.targets:
            survivors.append(f"{mutant.description} ({mutant.name}) fails in {first.category}, not "
                             f"{' or '.join(mutant.targets)}")
        else:
            killed += 1
    return killed, counted, survivors, wrongly


def _file_problems(pack: Path, exercise_id: str, solution: Path) -> list[str]:
    """Missing files, an invalid YAML, an id another pack declares too."""
    own = str(pack.resolve())
    cat = registry.catalog()
    found = [p for p in cat.problems if p.startswith(f"{own}/exercises/{exercise_id}.")]
    if exercise_id in cat.blocked:
        found.append(cat.blocked[exercise_id])
    if not solution.is_file():
        found.append(f"{solution}: missing: exercise {exercise_id!r} needs a correct solution here")
    try:
        load_exercise_meta(exercise_id)
    except ContentError as err:
        found += map(str, err.problems)
    except KeyError:
        pass  # missing: reported above
    return found


def _mistakes(ex: Exercise, spec: Path) -> list[Mistake]:
    try:
        return list(ex.mistakes())
    except Exception as err:  # the instructor's code: reported at its line
        raise registry.spec_error(spec, f"{ex.id}: mistakes() failed", err, ex) from err


def _write_mistakes(ex: Exercise, spec: Path, solution: Path, folder: Path, count: int) -> list[Path]:
    """mistake1.py ... in `folder`, one per declared mistake."""
    sources = {"spec": str(spec), "spec_source": spec.read_text(encoding="utf-8"),
               "solution": str(solution), "solution_source": solution.read_text(encoding="utf-8")}
    written = [folder / f"mistake{index + 1}.py" for index in range(count)]
    for index, path in enumerate(written):
        path.write_text(MISTAKE_SUBMISSION.format(index=index, id=ex.id, class_name=ex.class_name, **sources),
                        encoding="utf-8")
    return written


def _expect(report: Report, status: str, what: str) -> list[str]:
    if report.status == status:
        return []
    first = report.first_failure
    why = f" ({first.id}: {_first_line(first.message)})" if first else ""
    return [f"{what} is {report.status}, expected {status}{why}"]


def _named(report: Report, index: int, mistakes: list[Mistake]) -> tuple[str, str | None]:
    """(the category of the check that names mistake `index`, None) or ("", what went wrong)."""
    mistake = mistakes[index]
    label = f"mistake {index + 1} ({_first_line(mistake.message)})"
    failed = [c for c in report.checks if c.status == "fail"]
    naming = next((c for c in failed if mistake.message in c.message), None)
    if naming is not None:
        return naming.category, None
    if not any(c.category == "values" and c.status == "fail" for c in report.checks):
        return "", f"{label} is not told apart from the reference: its output passes every values check"
    other = next((j for j, m in enumerate(mistakes) if j != index and any(m.message in c.message for c in failed)),
                 None)
    if other is not None:
        return "", f"{label} is named as mistake {other + 1}: the two compute the same output; make them differ"
    first = next(c for c in failed if c.category == "values")
    return "", f"{label} is not named: written out as a submission it fails {first.id}: {_first_line(first.message)}"


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0]
