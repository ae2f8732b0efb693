"""Where the apps above cases plug into it, so that cases never imports them.

Whistleblowing (and any app that makes cases) sits above cases in the layers contract. What the
case page shows of a report, which keys retention must destroy besides the case's own, and what
else a deleted case still counts on the dashboards are registered here from the upper app's
``AppConfig.ready``; cases calls whatever is registered, in registration order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

if TYPE_CHECKING:
    from django.http import HttpRequest

    from cases.models import Case

# (request, case, data_key) -> HTML of a panel on the case page, or None to show nothing.
CasePanel = Callable[["HttpRequest", "Case", bytes], "str | None"]
# (case) -> None: destroy the upper app's keys of a case due for retention (inside its transaction).
KeysDestroy = Callable[["Case"], None]
# (cases) -> a ``lacs.figures.figure_counts`` queryset of what those cases count elsewhere.
Figures = Callable[[QuerySet], QuerySet]

# (case, data_key) -> the upper app's part of a referral package (opened contents), or None.
Contents = Callable[["Case", bytes], "dict[str, Any] | None"]


@dataclass(frozen=True)
class FileHandling:
    """How uploads are kept in memory and cleaned of metadata (the intake app's rules), so that
    handlers' files on a case go through exactly what the whistle-blower's do."""

    memory_uploads: Callable[[Callable], Callable]  # view decorator, outermost
    clean: Callable[[str, bytes], Any]  # (name, content) -> a cleaned file, or raises rejected
    max_count: Callable[[], int]
    rejected: type[Exception]


case_panels: list[CasePanel] = []
case_contents: list[Contents] = []
file_handling: list[FileHandling] = []
retention_keys_destroyers: list[KeysDestroy] = []
retention_figures: list[Figures] = []


def register(
    *,
    panel: CasePanel | None = None,
    keys_destroy: KeysDestroy | None = None,
    figures: Figures | None = None,
    contents: Contents | None = None,
    files: FileHandling | None = None,
) -> None:
    """Register an upper app's hooks (once; a second registration of the same one is ignored)."""
    for hook, hooks in (
        (panel, case_panels),
        (keys_destroy, retention_keys_destroyers),
        (figures, retention_figures),
        (contents, case_contents),
        (files, file_handling),
    ):
        if hook is not None and hook not in hooks:
            hooks.append(hook)  # type: ignore[arg-type]
