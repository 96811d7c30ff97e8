"""Time to the TUI's first screen, beside the time of `python -c "import textual"`, in one run.

Each measurement is a fresh interpreter (so imports are not cached in-process), repeated and the
median taken. The app is started with FORWARDLAB_EXIT_AFTER_PAINT=1: headless, it exits right after
the home screen has been painted, on a throwaway progress store, with the shipped content.

    python bench/tui_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def _time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "FORWARDLAB_DATA_DIR": data_dir, "FORWARDLAB_EXIT_AFTER_PAINT": "1"}
        bare = [_time([sys.executable, "-c", "import textual"], env) for _ in range(runs)]
        textual = [_time([sys.executable, "-c", "import textual.app"], env) for _ in range(runs)]
        app = [_time([sys.executable, "-m", "tui"], env) for _ in range(runs)]
        check = ("import sys, runpy; sys.argv = ['tui']; runpy.run_module('tui', run_name='__main__'); "
                 "sys.exit('torch' in sys.modules)")
        torch_free = subprocess.run([sys.executable, "-c", check], env=env, stdout=subprocess.DEVNULL).returncode == 0
    b, t, a = statistics.median(bare), statistics.median(textual), statistics.median(app)
    print(f"python -c 'import textual':      {b * 1000:7.0f} ms  (median of {runs})")
    print(f"python -c 'import textual.app':  {t * 1000:7.0f} ms  (median of {runs})")
    print(f"forwardlab to first screen:      {a * 1000:7.0f} ms  (median of {runs})")
    print(f"ratio to 'import textual':       {a / b:7.2f}x")
    print(f"ratio to 'import textual.app':   {a / t:7.2f}x")
    print(f"torch imported at startup:       {'no' if torch_free else 'YES'}")


if __name__ == "__main__":
    main()
