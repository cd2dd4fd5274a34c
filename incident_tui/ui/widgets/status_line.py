"""The status line: each remote's sync state and the number of queued local changes.

Every remote's state must be readable at 80 columns: when the full wording does not fit,
the line falls back to shorter forms (:func:`status_content`), problems first and in a word
or two (``oncall HTTP 401``, ``ops offline``), healthy remotes grouped, until it fits. The
full last error of each remote is on the remotes screen (``S``, or a click on the line).
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from textual import events
from textual.content import Content
from textual.widgets import Static

from incident_tui.domain.text import clean
from incident_tui.ui.format import local_time

if TYPE_CHECKING:
    from incident_tui.store.reader import RemoteState


class RemoteLine(NamedTuple):
    """What the status line knows about one remote."""

    name: str
    state: str
    """``never``, ``ok``, ``failing`` or ``offline`` (the store's words), or ``syncing``."""
    last_ok_at: str | None = None
    last_error: str | None = None
    progress: str = ""
    """How far a syncing remote has come (``12,000 listed``), once it has said."""
    kind: str = ""
    queued: int = 0
    """Local changes waiting for this remote."""


def remote_lines(
    states: Iterable[RemoteState],
    configured: Sequence[str],
    syncing: Container[str] = (),
    progress: Mapping[str, str] | None = None,
) -> list[RemoteLine]:
    """One line per remote, configured ones first (``never`` until their first pass), as
    the cache's remote rows and the sync loop's running passes describe them."""
    by_name = {state.name: state for state in states}
    lines: list[RemoteLine] = []
    for name in dict.fromkeys([*configured, *by_name]):
        state = by_name.get(name)
        kind, queued = (state.kind, state.queued) if state else ("", 0)
        # Membership only: the App's set of running passes may change while this reads it.
        if name in syncing:
            words = (progress or {}).get(name, "")
            lines.append(RemoteLine(name, "syncing", progress=words, kind=kind, queued=queued))
        elif state is None:
            lines.append(RemoteLine(name, "never"))
        else:
            lines.append(
                RemoteLine(
                    name, state.state, state.last_ok_at, state.last_error, kind=kind,
                    queued=queued,
                )
            )
    return lines


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


HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")


def short_error(error: str | None) -> str:
    """A failing remote's error in a word or two: ``HTTP 401``, or ``failing`` when the
    error names no HTTP status."""
    found = HTTP_STATUS.search(clean(error, single_line=True))
    return f"HTTP {found.group(1)}" if found else "failing"


STYLE = {
    "failing": "$sync-failing",
    "offline": "$sync-offline",
    "syncing": "$sync-never",
    "ok": "$sync-ok",
}


def short_state(remote: RemoteLine) -> str:
    """A problem remote's state in a word or two, for the compact line."""
    if remote.state == "failing":
        return short_error(remote.last_error)
    if remote.state == "syncing":
        return "syncing…"
    return remote.state


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


COMPACT_LEVELS = 3
"""How many ever shorter forms the compact line has (see :func:`_compact`)."""


def _compact(remotes: Sequence[RemoteLine], level: int) -> list[tuple[str, str]]:
    """The remotes in short words, problems first, each by name with a word or two for its
    state. ``level`` 1 gives the healthy ones' sync time, 2 drops it, 3 only counts the
    healthy and the never-synced remotes."""
    ordered = sorted(remotes, key=lambda r: ORDER.get(r.state, 4))
    problems = [
        (f"{clean(r.name, single_line=True)} {short_state(r)}", STYLE[r.state])
        for r in ordered
        if ORDER.get(r.state, 4) < ORDER["ok"]
    ]
    healthy = [r for r in ordered if r.state == "ok"]
    never = [
        clean(r.name, single_line=True) for r in ordered if ORDER.get(r.state, 4) > ORDER["ok"]
    ]
    entries = list(problems)
    if level >= 3:
        if healthy:
            entries.append((f"{len(healthy)} ok", "$sync-ok"))
        if never:
            entries.append((f"{len(never)} unsynced", "$sync-never"))
        return entries
    if level == 1:
        moments: dict[str, list[str]] = {}
        for remote in healthy:
            moment = local_time(remote.last_ok_at, with_date=False)
            moments.setdefault(moment, []).append(clean(remote.name, single_line=True))
        entries += [
            (f"{', '.join(names)} ok at {moment}", "$sync-ok")
            for moment, names in moments.items()
        ]
    elif healthy:
        names = ", ".join(clean(r.name, single_line=True) for r in healthy)
        entries.append((f"{names} ok", "$sync-ok"))
    if never:
        word = "never synced" if level == 1 else "unsynced"
        entries.append((f"{', '.join(never)} {word}", "$sync-never"))
    return entries


def status_content(
    remotes: Sequence[RemoteLine], queued: int, note: str = "", width: int | None = None
) -> Content:
    """The whole line: queued count first (it must never be cut off), then each remote,
    failing and offline ones before healthy ones. Within ``width`` cells if it can be: the
    full wording if it fits, else the first compact form that does (else the shortest, which
    the widget cuts with an ellipsis)."""
    content = _assemble(_grouped(remotes), queued, note, "  │  ", bool(remotes))
    if width is None or content.cell_length <= width:
        return content
    for level in range(1, COMPACT_LEVELS + 1):
        content = _assemble(_compact(remotes, level), queued, note, " │ ", bool(remotes))
        if content.cell_length <= width:
            break
    return content


def _assemble(
    entries: Sequence[tuple[str, str]], queued: int, note: str, gap: str, any_remote: bool
) -> Content:
    parts: list[str | tuple[str, str]] = [
        (f"{queued} queued", "bold $mark-pending" if queued else "$foreground-muted"),
    ]
    if note:
        parts += ["  ", (note, "$foreground-muted")]
    for text, style in entries:
        parts += [gap, (text, style)]
    if not any_remote:
        parts += [gap, ("no remotes configured", "$foreground-muted")]
    return Content.assemble(*parts)


class StatusLine(Static):
    """One line at the bottom of the list; data comes down through :meth:`show`. A click
    opens the remotes screen (every remote's state and full last error)."""

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
        self._draw()

    def _draw(self) -> None:
        if self._shown is None:
            return
        # Before the first layout the width is unknown: the full line, redrawn on resize.
        width = self.content_size.width or None
        self.update(status_content(*self._shown, width=width))

    def on_resize(self, event: events.Resize) -> None:
        """A new width may need a shorter (or allow a longer) form of the line."""
        self._draw()

    async def on_click(self, event: events.Click) -> None:
        """Show every remote's state and full last error."""
        await self.run_action("app.remotes")

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
