"""The child: runs in a process forked from the zygote, loads the learner's file and runs the plan.

It writes one result frame per step (load reports, then one observation per case) with
torch.save into the job's directory, each frame complete before it appears (write, then rename),
so that a child that dies midway still leaves everything it finished. It never judges anything.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import resource
import signal
import sys
import traceback
from pathlib import Path

import torch
from torch import nn

from grader.runner import describe_error, run_case


def isolate(job: dict) -> None:
    """New session, no inherited descriptors, output to a capped file, resource limits."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a flood gets EFBIG errors, not a silent kill
    null = os.open(os.devnull, os.O_RDONLY)
    out = os.open(job["output"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.closerange(3, 65536)
    limits = job["limits"]
    _limit(resource.RLIMIT_CPU, int(limits["cpu_s"]))
    _limit(resource.RLIMIT_NOFILE, int(limits.get("open_files", 256)))
    _limit(resource.RLIMIT_FSIZE, int(limits.get("file_bytes", 256 * 2**20)))
    if job.get("device") != "cuda":  # CUDA maps huge address ranges: only the wall clock guards it
        _limit(resource.RLIMIT_AS, _address_space() + int(limits["memory_mb"]) * 2**20)
    os.chdir(job["scratch"])
    torch.set_num_threads(1)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False


def _limit(kind: int, value: int) -> None:
    soft, hard = resource.getrlimit(kind)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, hard))


def _address_space() -> int:
    """This process's current virtual size: the torch build alone maps gigabytes of it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


class Frames:
    """Numbered result files in the job's directory, each written atomically."""

    def __init__(self, directory: str) -> None:
        self.dir, self.n = Path(directory), 0

    def write(self, frame: dict) -> None:
        self.n += 1
        tmp = self.dir / f".frame-{self.n:04d}.tmp"
        torch.save(frame, tmp)
        tmp.rename(self.dir / f"frame-{self.n:04d}.pt")


def load_class(path: str, class_name: str) -> tuple[type | None, dict]:
    """Import the learner's file as module `submission`; report the failing stage if any."""
    try:
        sys.path.insert(0, str(Path(path).parent))
        spec = importlib.util.spec_from_file_location("submission", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["submission"] = module
        spec.loader.exec_module(module)
    except SyntaxError as err:
        text = "".join(traceback.format_exception_only(type(err), err)).rstrip()
        return None, {"failed_at": "import", "error": f"syntax error in your file:\n{text}"}
    except BaseException as err:  # SystemExit at import time included
        return None, {"failed_at": "import", "error": _where(err, path, "importing your file raised")}
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        found = [n for n, v in vars(module).items() if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == "submission"]
        return None, {"failed_at": "class", "error": f"no nn.Module subclass named {class_name} in your file"
                      + (f" (found {', '.join(found)})" if found else "")}
    return cls, {}


def _where(err: BaseException, path: str, what: str) -> str:
    d = describe_error(err, path)
    at = f" at {d['where']}" if d["where"] else ""
    return f"{what} {d['type']}{at}: {d['message']}"


def build(cls: type, config: dict, state: dict, path: str) -> tuple[nn.Module | None, dict]:
    try:
        torch.manual_seed(0)
        model = cls(*materialize(config["args"]), **materialize(config["kwargs"]))
    except BaseException as err:
        return None, {"failed_at": "construct", "error": _where(err, path, "constructing your model raised")}
    init_state = {n: t.detach().clone() for n, t in model.state_dict().items() if type(t) in (torch.Tensor, nn.Parameter)}
    try:
        model.load_state_dict(state, strict=True)
    except BaseException as err:
        return None, {"failed_at": "state", "error": f"the reference's weights do not fit your model: {err}",
                      "init_state": init_state}
    return model, {"init_state": init_state}


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


def describe_api(cls: type, forward_args: list[str]) -> dict:
    sig = inspect.signature(cls.forward)
    info = {"signature": str(sig).replace("(self, ", "(").replace("(self)", "()"),
            "call_overridden": cls.__call__ is not nn.Module.__call__ or cls._call_impl is not nn.Module._call_impl}
    try:
        sig.bind(None, *forward_args)
    except TypeError as err:
        info["signature_error"] = str(err)
    return info


def run(job: dict) -> None:
    """Everything the child does after isolation: load, construct per config, run each case."""
    plan = torch.load(job["plan"], weights_only=True)
    frames = Frames(job["results"])
    path = job["file"]
    cls, failure = load_class(path, plan["class_name"])
    if cls is None:
        frames.write({"kind": "load", "config": plan["configs"][0]["name"], **failure})
        return
    api = describe_api(cls, plan["forward_args"])
    for config in plan["configs"]:
        model, report = build(cls, config, plan["states"][config["name"]], path)
        frames.write({"kind": "load", "config": config["name"], **api, **report})
        if model is None:
            return
    for case in plan["cases"]:
        config = next(c for c in plan["configs"] if c["name"] == case["config"])
        model, report = build(cls, config, plan["states"][config["name"]], path)
        frames.write({"kind": "case", **run_case(model, case, path)} if model is not None
                     else {"kind": "case", "id": case["id"], "error": {"type": "BuildError", "message": report["error"], "where": ""}})
    frames.write({"kind": "done"})


def warm_up() -> None:
    """Pay, once in the zygote, for what torch imports lazily on first use (dynamo via manual_seed,
    serialization, hooks), so that no forked child pays for it again. Single-threaded, so that
    no thread pool exists at fork time."""
    import io

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    case = {"id": "warm-up", "args": [torch.zeros(1, 4)], "cotangent": torch.zeros(1, 2), "stages": True}
    buffer = io.BytesIO()
    torch.save(run_case(model, case), buffer)
    buffer.seek(0)
    torch.load(buffer, weights_only=True)


def main(job: dict) -> None:
    """Entry point in the forked child; never returns."""
    code = 0
    try:
        isolate(job)
        run(job)
    except BaseException:  # noqa: BLE001 - report and exit; the parent judges a missing 'done'
        traceback.print_exc()
        code = 70
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
