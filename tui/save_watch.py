"""Re-running something when the learner saves their file, with the same watcher as `grader watch`
(grader.watching.FileWatcher: file events, else polling; one call per burst of saves), its callback
moved onto the app's thread."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from textual.app import App

from grader.api import FileWatcher


class SaveWatch:
    """`follow(path)` starts (or moves) the watch; `on_save()` then runs on the app's thread after each save."""

    def __init__(self, app: App, on_save: Callable[[], object]) -> None:
        self._app, self._on_save = app, on_save
        self._watcher: FileWatcher | None = None

    def follow(self, path: Path) -> None:
        self.stop()
        self._watcher = FileWatcher(path, self._saved).start()

    def _saved(self, _path: Path) -> None:
        with contextlib.suppress(RuntimeError):  # the app has already stopped: nothing to refresh
            self._app.call_from_thread(self._on_save)

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop(timeout=0.2)
            self._watcher = None
