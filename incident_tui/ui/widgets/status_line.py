"""The status line: each remote's sync state and the number of queued local changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from textual.content import Content
from textual.widgets import Static

from incident_tui.domain.text import clean
from incident_tui.ui.format import local_time


class RemoteLine(NamedTuple):
    """What the status line knows about one remote."""

    name: str
    state: str
    """``never``, ``ok``, ``failing`` or ``offline`` (the store's words), or ``syncing``."""
    last_ok_at: str | None = None
    last_error: str | None = None
    progress: str = ""
    """How far a syncing remote has come (``12,000 listed``), once it has said."""


def describe(remote: RemoteLine) -> tuple[str, str]:
    """The words for one remote and the theme variable that colours them."""
    name = clean(remote.name, single_line=True)
    if remote.state == "syncing":
        done = f" {clean(remote.progress, single_line=True)}" if remote.progress else ""
        return f"{name} syncing…{done}", "$sync-never"
    if remote.state == "ok":
        return f"{name} ok at {local_time(remote.last_ok_at, with_date=False)}", "$sync-ok"
    if remote.state == "failing":
        reason = clean(remote.last_error, single_line=True)[:60] or "error"
        return f"{name} failing: {reason}", "$sync-failing"
    if remote.state == "offline":
        return f"{name} offline", "$sync-offline"
    return f"{name} never synced", "$sync-never"


ORDER = {"failing": 0, "offline": 1, "syncing": 2, "ok": 3}
"""Problems first: on a narrow terminal the end of the line is what gets cut."""


def _grouped(remotes: Sequence[RemoteLine]) -> list[tuple[str, str]]:
    """Words and style per entry, problems first; healthy remotes synced in the same minute
    share one entry (``school, plant ok at 11:56``), so five remotes fit 80 columns."""
    ordered = sorted(remotes, key=lambda r: ORDER.get(r.state, 4))
    healthy: dict[str, list[str]] = {}
    for remote in ordered:
        if remote.state == "ok":
            moment = local_time(remote.last_ok_at, with_date=False)
            healthy.setdefault(moment, []).append(clean(remote.name, single_line=True))
    rank = ORDER["ok"]
    return [
        *(describe(r) for r in ordered if ORDER.get(r.state, 4) < rank),
        *((f"{', '.join(names)} ok at {moment}", "$sync-ok") for moment, names in healthy.items()),
        *(describe(r) for r in ordered if ORDER.get(r.state, 4) > rank),
    ]


def status_content(remotes: Sequence[RemoteLine], queued: int, note: str = "") -> Content:
    """The whole line: queued count first (it must never be cut off), then each remote,
    failing and offline ones before healthy ones."""
    parts: list[str | tuple[str, str]] = [
        (f"{queued} queued", "bold $mark-pending" if queued else "$foreground-muted"),
    ]
    if note:
        parts += ["  ", (note, "$foreground-muted")]
    for text, style in _grouped(remotes):
        parts += ["  │  ", (text, style)]
    if not remotes:
        parts += ["  │  ", ("no remotes configured", "$foreground-muted")]
    return Content.assemble(*parts)


class StatusLine(Static):
    """One line at the bottom of the list; data comes down through :meth:`show`."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    _shown: tuple[list[RemoteLine], int, str] | None = None

    def show(self, remotes: Iterable[RemoteLine], queued: int, note: str = "") -> None:
        """Redraw with these remote states and queue length."""
        self._shown = (list(remotes), queued, note)
        self.update(status_content(*self._shown))

    def show_progress(self, progress: Mapping[str, str]) -> None:
        """Redraw the syncing remotes with these progress words; the rest stays as last
        shown (nothing is read from the cache for this: progress comes often)."""
        if self._shown is None:
            return
        remotes, queued, note = self._shown
        self.show(
            [
                r._replace(progress=progress.get(r.name, "")) if r.state == "syncing" else r
                for r in remotes
            ],
            queued,
            note,
        )
