"""`forwardlab`: start the terminal app on the learner's real progress store and content.

FORWARDLAB_DATA_DIR moves the store (tests, demos); FORWARDLAB_EXIT_AFTER_PAINT=1 runs headless and
exits right after the first screen is painted, which is what bench/tui_startup.py times.
"""

from __future__ import annotations

import os

EXIT_AFTER_PAINT_ENV = "FORWARDLAB_EXIT_AFTER_PAINT"


def main() -> None:
    from grader.course.progress import ProgressStore
    from tui.app import ForwardLabApp

    bench = os.environ.get(EXIT_AFTER_PAINT_ENV) == "1"
    store = ProgressStore()
    try:
        ForwardLabApp(store, exit_after_first_paint=bench).run(headless=bench)
    finally:
        store.close()


if __name__ == "__main__":
    main()
