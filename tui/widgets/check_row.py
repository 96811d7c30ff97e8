"""CheckRow: one grader check as a collapsible row — status, category and message; details inside."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Collapsible, Static

from grader.report import CheckResult
from tui.widgets.prose import inline

# Glyph and theme colour per check status; colour is never the only signal (the word is there too).
STATUS_STYLE = {
    "pass": ("✔ pass", "$text-success"),
    "fail": ("✘ fail", "$text-error"),
    "skip": ("– skip", "$text-muted"),
}


class CheckRow(Collapsible):
    """A check result, collapsed unless `expanded` (the app expands the first failure)."""

    def __init__(self, check: CheckResult, *, expanded: bool = False) -> None:
        glyph, style = STATUS_STYLE.get(check.status, (check.status, ""))
        first_line = check.message.splitlines()[0] if check.message else check.id
        title = Content.assemble((f"{glyph:<7}", style), (f"{check.category:<8}", "bold"), inline(first_line))
        details = [Static(Content.assemble(("check ", "$text-muted"), check.id), classes="check-id")]
        if check.message:
            details.append(Static(inline(check.message), classes="check-message"))
        if check.hint:
            details.append(Static(Content.assemble(("Hint: ", "bold $text-accent"), inline(check.hint)),
                                  classes="check-hint"))
        super().__init__(*details, title=title, collapsed=not expanded, classes=f"check -{check.status}")
        self.check = check
