"""The child: runs in a process forked from the zygote, loads the learner's file and runs the plan.

It isolates itself first (`isolate`), then appends result frames (load reports, then one observation
per case) to the results file it holds open, as grader.isolation.wire records, so that a child that
dies midway still leaves everything it finished. It never judges anything.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import io
import linecache
import math
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import CodeType

import torch
from torch import nn

from grader.isolation import guard, jail, system, wire
from grader.isolation.plain import describe_error, error_text
from grader.isolation.protocol import SAFE_OPEN
from grader.isolation.runner import run_case

if sys.platform != "win32":  # isolate() is POSIX; run() is shared with the portable child (grader.isolation.template)
    import resource


def isolate(job: dict) -> None:
    """New session, no inherited descriptors, output to a capped file, resource limits; as root a uid of
    the job's own; where the kernel allows, private mounts, Landlock file rules and a seccomp filter
    (grader.isolation.jail). The threat model: docs/threat-model.md."""
    os.setsid()
    os.umask(0o077)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a flood gets EFBIG errors, not a silent kill
    _read_inputs_now(job)
    # as root: nothing this job starts can see what computes the answers; once the uid that cannot undo the
    # mounts runs the job, the Python seal need not check every file it opens (guard.seal)
    answers = job.get("answers")
    if answers and guard.hide(answers) and job.get("uid") is not None:
        job["answers"] = []
    null = os.open(os.devnull, os.O_RDONLY)
    out, job["results_fd"] = _create(job["output"]), _out_of_the_way(_create(job["results"]))
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    uid, kernel = job.get("uid"), job.get("jail") or {}
    covered = job.get("shared", []) if kernel.get("namespaces") else []
    bridges = job.get("bridges") or {}  # opened by the zygote: the import path's folders, the submission's folder
    _close_all_but({job["results_fd"], *bridges.values()})
    limits = job["limits"]
    posix_limits(limits)
    if job.get("device") != "cuda":  # CUDA maps huge address ranges: only the wall clock guards it
        _limit(resource.RLIMIT_AS, _address_space() + int(limits["memory_mb"]) * 2**20)
    private = False
    if covered:
        with contextlib.suppress(OSError):  # the zygote found namespaces working; this one may still fail
            jail.private_mounts(covered, int(limits.get("disk_bytes", 64 * 2**20)), int(limits.get("inodes", 4096)),
                                uid)
            private = True
    scratch = jail.HOME if private else job["scratch"]
    if uid is not None:
        _become(uid, None if private else job["scratch"], int(limits.get("processes", 64)))
    elif os.geteuid() != 0:  # the limit counts all of this user's tasks: allow what runs already, plus ours
        mine = sum(p.threads for p in system.processes() if os.getuid() in p.uids)
        _limit(resource.RLIMIT_NPROC, mine + int(limits.get("processes", 64)))
    system.prctl(system.PR_SET_NO_NEW_PRIVS, 1)  # no setuid program can give privileges back
    _add_routes(bridges)  # the import path's were added in the zygote (reroute): the submission's folder
    if kernel.get("landlock"):
        writable = [jail.SCRATCH, *covered] if private else [scratch]
        jail.restrict_files(int(kernel["landlock"]), job["readable"], writable)
    if kernel.get("seccomp"):
        jail.restrict_calls(os.getpid())
    system.prctl(system.PR_SET_DUMPABLE, 1)  # the zygote is not; whatever this job starts may be inspected and swept
    os.chdir(scratch)
    os.environ.update(HOME=scratch, TMPDIR=jail.SCRATCH if private else scratch)
    tempfile.tempdir = None
    torch.set_num_threads(1)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False


def _create(path: str) -> int:
    """A new file of the grader's in the job's folder, written by the child through this descriptor."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | SAFE_OPEN, 0o600)


def _out_of_the_way(fd: int) -> int:
    """`fd` moved to the highest number we may use (at most 65535), above the open-files limit set later:
    code that closes "all" descriptors the usual way (closerange(3, 4096)) leaves it alone."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    high = (65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)) - 1
    if high <= fd:
        return fd
    resource.setrlimit(resource.RLIMIT_NOFILE, (high + 1, hard))
    os.dup2(fd, high)
    os.close(fd)
    return high


def _read_inputs_now(job: dict) -> None:
    """Read the plan and the learner's source (the grader's copy of it) while this process may still
    read them: after the uid switch it might not. Tracebacks keep the source's lines."""
    job["plan"] = io.BytesIO(Path(job["plan"]).read_bytes())
    lines = Path(job["source"]).read_text(encoding="utf-8", errors="surrogateescape").splitlines(keepends=True)
    # no modification time: linecache.checkcache keeps the entry even once the file is out of reach
    linecache.cache[job["file"]] = (sum(map(len, lines)), None, lines, job["file"])


def _become(uid: int, scratch: str | None, processes: int) -> None:
    """Hand the job's `scratch` folder (unless it has a private one) to `uid`, then switch to it for good."""
    if scratch is not None:
        os.chown(scratch, uid, uid)
        os.chmod(scratch, 0o700)
    _limit(resource.RLIMIT_NPROC, processes)  # processes and threads of this uid: it has no others
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _close_all_but(keep: set[int]) -> None:
    start = 3
    for fd in sorted(keep):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, 65536)


_ROUTES: list[tuple[str, str]] = []  # (a folder out of reach, its /proc/self/fd route), longest first


def reachable(path: str) -> str:
    """`path`, through a bridge descriptor when it is out of this process's reach by name."""
    for folder, route in _ROUTES:
        if path == folder or path.startswith(folder + os.sep):
            return route + path[len(folder):]
    return path


def _add_routes(bridges: dict[str, int]) -> None:
    routes = {*_ROUTES, *((folder, f"/proc/self/fd/{fd}") for folder, fd in bridges.items())}
    _ROUTES[:] = sorted(routes, key=lambda route: -len(route[0]))


def reroute(bridges: dict[str, int]) -> None:
    """Point the import system (sys.path, packages' __path__, modules' __file__) through the `bridges`
    (system.bridge_point), so that what torch or the learner imports lazily is still found when the
    folders are out of reach by name. Done once, in the zygote: every child inherits it."""
    _add_routes(bridges)
    if not bridges:
        return
    sys.path[:] = [reachable(p) for p in sys.path]
    for module in list(sys.modules.values()):
        search = getattr(module, "__path__", None)
        if isinstance(search, list):
            search[:] = [reachable(p) for p in search]
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and reachable(file) != file:
            # torch's config modules refuse attributes they do not declare: their file is only a label
            with contextlib.suppress(AttributeError, TypeError):
                module.__file__ = reachable(file)
    sys.path_importer_cache.clear()


def posix_limits(limits: dict, spent_s: float = 0.0) -> None:
    """The rlimits every POSIX child gets, whichever isolation started it: CPU time (on top of the
    `spent_s` seconds this process used before the job), open files, file size, no core dumps."""
    cpu_s = max(1, int(limits["cpu_s"])) + math.ceil(spent_s)
    _limit(resource.RLIMIT_CPU, cpu_s, cpu_s + 1)  # SIGXCPU, then SIGKILL for code that ignores it
    _limit(resource.RLIMIT_NOFILE, int(limits.get("open_files", 256)))
    _limit(resource.RLIMIT_FSIZE, int(limits.get("file_bytes", 256 * 2**20)))
    _limit(resource.RLIMIT_CORE, 0)


def _limit(kind: int, value: int, hard: int | None = None) -> None:
    old_hard = resource.getrlimit(kind)[1]
    cap = (lambda v: v) if old_hard == resource.RLIM_INFINITY else (lambda v: min(v, old_hard))
    resource.setrlimit(kind, (cap(value), cap(hard) if hard is not None else old_hard))


def _address_space() -> int:
    """This process's current virtual size: the torch build alone maps gigabytes of it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


class Frames:
    """The job's results, appended to the file the child was given as a descriptor: one record
    (grader.isolation.wire) every 50 ms (or on request, for streaming) rather than one per case, since
    each costs the child a write and the parent a read. A child that dies loses at most the last 50 ms
    of its frames, which the parent then reports as never run."""

    FLUSH_S = 0.05

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._pending: list[dict] = []
        self._last = time.monotonic()

    def write(self, frame: dict, flush: bool = False) -> None:
        self._pending.append(frame)
        if flush or time.monotonic() - self._last >= self.FLUSH_S:
            self.flush()

    def stream(self, frame: dict) -> None:
        """Write `frame` now: the parent shows it while the child runs (e.g. a training epoch)."""
        self.write(frame, flush=True)

    def flush(self) -> None:
        if not self._pending:
            return
        record = memoryview(wire.encode(self._pending))
        while record:
            record = record[os.write(self.fd, record):]
        self._pending, self._last = [], time.monotonic()


def load_class(path: str, class_name: str) -> tuple[type | None, dict]:
    """Import the learner's file as module `submission`; report the failing stage if any."""
    try:
        sys.path.insert(0, reachable(str(Path(path).parent)))
        spec = importlib.util.spec_from_file_location("submission", path)
        if spec is None:
            raise ImportError(f"{path} cannot be imported as a Python module")
        module = importlib.util.module_from_spec(spec)
        module.__file__ = reachable(path)  # its folder may be out of reach by name (see isolate)
        sys.modules["submission"] = module
        # the grader's copy, read before isolation (see _read_inputs_now)
        code = _compiled("".join(linecache.getlines(path)), path)
        if isinstance(code, str):
            return None, {"failed_at": "import", "error": code}
        exec(code, module.__dict__)
    except SyntaxError as err:
        text = "".join(traceback.format_exception_only(type(err), err)).rstrip()
        return None, {"failed_at": "import", "error": f"syntax error in your file:\n{text}"}
    except BaseException as err:  # SystemExit at import time included
        return None, {"failed_at": "import", "error": _where(err, path, "importing your file raised")}
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        found = [n for n, v in vars(module).items()
                 if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == "submission"]
        return None, {"failed_at": "class", "error": f"no nn.Module subclass named {class_name} in your file"
                      + (f" (found {', '.join(found)})" if found else "")}
    return cls, {}


def _compiled(source: str, path: str) -> CodeType | str:
    """The file compiled, or why Python's parser or compiler gave up on it: their own stack overflows as a
    MemoryError or RecursionError on a line nested thousands of levels deep, which is not the memory
    limit (the words say neither, so that grader.isolation.failure does not take it for one)."""
    try:
        return compile(source, path, "exec", dont_inherit=True)
    except (MemoryError, RecursionError):
        return ("Python could not compile your file: its parser ran out of stack (an expression nested "
                "thousands of levels deep, or a file far too large?)")


def _where(err: BaseException, path: str, what: str) -> str:
    return f"{what} {error_text(describe_error(err, path))}"


def build(cls: type, config: dict, state: dict, path: str) -> tuple[nn.Module | None, dict]:
    try:
        torch.manual_seed(0)
        model = cls(*materialize(config["args"]), **materialize(config["kwargs"]))
    except BaseException as err:
        return None, {"failed_at": "construct", "error": _where(err, path, "constructing your model raised")}
    init_state = {n: t.detach().clone() for n, t in model.state_dict().items()
                  if type(t) in (torch.Tensor, nn.Parameter)}
    try:
        model.load_state_dict(state, strict=True)
    except BaseException as err:
        return None, {"failed_at": "state", "error": _plain_tensors(model, state) + f"the reference's weights do not "
                                                                                    f"fit "
                      f"your model: {err}", "init_state": init_state}
    return model, {"init_state": init_state}


def _plain_tensors(model: nn.Module, state: dict) -> str:
    """Why a weight is missing from the model's state_dict when it is a plain tensor attribute."""
    plain = []
    for name in state:
        owner, _, attr = name.rpartition(".")
        try:
            value = getattr(model.get_submodule(owner), attr, None)
        except AttributeError:
            continue
        if isinstance(value, torch.Tensor) and not isinstance(value, nn.Parameter) and name not in model.state_dict():
            plain.append(f"self.{name}")
    if not plain:
        return ""
    return (f"{', '.join(plain)} is a plain tensor, not an nn.Parameter: wrap it as nn.Parameter(...) so that the "
            f"model "
            "owns it (it then appears in state_dict() and parameters(), and gets gradients). In detail: ")


def model_for(case: dict, config: dict, models: dict, cls: type, state: dict,
              path: str) -> tuple[nn.Module | None, dict]:
    """The config's model with the reference's weights put back (whatever the last case did to
    them), or a fresh one for a case that converts the model to another dtype or device. Re-using
    one model also lets a forward that depends on earlier calls show itself."""
    if case.get("dtype") or not (case.get("device") or "emulated").startswith("emulated"):
        return build(cls, config, state, path)
    model = models[config["name"]]
    try:
        model.load_state_dict(state, strict=True)
    except BaseException:  # forward changed the model's structure: start again from __init__
        model, report = build(cls, config, state, path)
        models[config["name"]] = model
        return model, report
    return model, {}


def materialize(value):
    """Constructor arguments that are modules travel as {"__build__": "module:function", "args": [...]}."""
    if isinstance(value, dict) and "__build__" in value:
        module, function = value["__build__"].split(":")
        return getattr(importlib.import_module(module), function)(*value.get("args", ()))
    if isinstance(value, dict):
        return {k: materialize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(materialize(v) for v in value)
    return value


def describe_api(cls: type[nn.Module], call_shapes: list[tuple[int, tuple[str, ...]]]) -> dict:
    """forward's signature, whether __call__ is overridden, and whether forward accepts every way
    the grader calls it: (number of positional arguments, keyword names) per call shape."""
    sig = inspect.signature(getattr(cls, "forward"))  # noqa: B009 - a learner's class, typed as a plain type
    info = {"signature": str(sig).replace("(self, ", "(").replace("(self)", "()"),
            "call_overridden": cls.__call__ is not nn.Module.__call__
            or getattr(cls, "_call_impl", None) is not nn.Module._call_impl}
    for positional, keywords in call_shapes:
        try:
            sig.bind(None, *[None] * positional, **dict.fromkeys(keywords))
        except TypeError as err:
            info["signature_error"] = str(err)
            break
    return info


def call_shapes(cases: list[dict]) -> list[tuple[int, tuple[str, ...]]]:
    return sorted({(len(c["args"]), tuple(sorted(c.get("kwargs", {})))) for c in cases})


def run(job: dict) -> None:
    """Everything the child does after isolation: load, construct per config, run each case."""
    plan = torch.load(job["plan"], weights_only=True)
    frames = Frames(job["results_fd"])
    path = job["file"]
    if job.get("answers") is not None:  # None: an instructor's own code (grader pack test)
        guard.seal(job["answers"])  # before the learner's first line runs
    cls, failure = load_class(path, plan["class_name"])
    if cls is None:
        frames.write({"kind": "load", "config": plan["configs"][0]["name"], **failure})
        frames.write({"kind": "done"}, flush=True)  # the job ran to its end: load/* judges the file, it did not crash
        return
    api = describe_api(cls, call_shapes(plan["cases"]))
    models = {}
    for config in plan["configs"]:
        model, report = build(cls, config, plan["states"][config["name"]], path)
        frames.write({"kind": "load", "config": config["name"], **api, **report})
        if model is None:
            frames.write({"kind": "done"}, flush=True)
            return
        models[config["name"]] = model
    frames.flush()  # the file loaded: say so now, whatever the cases do to this process
    for case in plan["cases"]:
        config = next(c for c in plan["configs"] if c["name"] == case["config"])
        model, report = model_for(case, config, models, cls, plan["states"][config["name"]], path)
        built_error = {"type": "BuildError", "message": report.get("error", ""), "where": ""}
        observation = run_case(model, case, path) if model is not None else {"id": case["id"], "error": built_error}
        frames.write({"kind": "case", **observation})
        if (observation["error"] or {}).get("type") == "MemoryError":
            break  # out of memory: every later case would be too, slowly; the judge reports the limit
    if plan.get("mode"):  # a learning mode (grader.modes: trace, train) instead of graded cases
        config = plan["configs"][0]
        fresh, _ = build(cls, config, plan["states"][config["name"]], path)
        if fresh is not None:  # it built above: it builds again, unless its __init__ is random
            _mode(plan["mode"])(fresh, plan["spec"], frames.stream, path)
    frames.write({"kind": "done"}, flush=True)


def _mode(name: str) -> Callable[[nn.Module, dict, Callable[[dict], None], str], None]:
    """The child side of a learning mode (imported on first use: a graded job never needs it)."""
    if name == "trace":
        from grader.isolation.stages import run_in_child
    else:
        from grader.isolation.training import run_in_child
    return run_in_child


def warm_up() -> None:
    """Pay, once in the zygote, for what torch imports lazily on first use (dynamo via manual_seed,
    serialization, hooks), so that no forked child pays for it again. Single-threaded, so that
    no thread pool exists at fork time."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    case = {"id": "warm-up", "args": [torch.zeros(1, 4)], "cotangent": torch.zeros(1, 2), "stages": True}
    wire.decode(bytearray(wire.encode([run_case(model, case)])), 0, wire.Budget(2**30))


def warm_up_export() -> None:
    """torch.export imports dynamo and friends on first use (about a second, thousands of modules):
    pay it in the zygote, once, when a plan has an export case, instead of in every child."""
    from torch.utils._pytree import tree_map  # noqa: F401 - imported by exported_call too

    from grader.isolation.runner import exported_call

    exported_call(nn.Linear(3, 2), [torch.zeros(3, 3)], {})


WARM_UPS = {"export": warm_up_export}


def main(job: dict, isolation: Callable[[dict], None] = isolate) -> None:
    """Entry point in the child, forked (`isolate`) or a portable template (its own `isolation`); never
    returns. The status says whether the grader's own part finished, whatever the learner's code did to
    the streams (printing or flushing may fail)."""
    code = CHILD_FAILED
    try:
        isolation(job)
        run(job)
        code = 0
    except BaseException:
        with contextlib.suppress(BaseException):
            traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
        os._exit(code)


CHILD_FAILED = 70  # grader.isolation.failure.CHILD_FAILED: the grader's own part of the child failed
