"""The status line: each remote's sync state, the number of queued local changes and how many
of them wait for the user's answer.

Every remote's state must be readable at 80 columns: when the full wording does not fit,
the line falls back to shorter forms (:func:`status_content`), problems first and in a word
or two (``oncall HTTP 401``, ``ops offline``, ``lab cert untrusted``), remotes in the same
state grouped (``school, plant offline``), until it fits; while that fits, the first
syncing remote still says how far it has come (``school syncing… 12,000 listed``). With
many remotes (a few dozen) the syncing ones are then counted (``30 syncing…``), and last
every state is (``2 failing │ 3 offline │ 33 ok``): a cut list of names would end before
the word saying what they are. A synced
remote that asked (``Retry-After``) for its queued changes to wait says until when in
every form (``school ok, changes wait until 12:05:00``). The
full last error of each remote is on the remotes screen (``S``, or a click on the line).

Only the configured remotes are shown: the cache keeps the state of a remote taken out of
the config (and its incidents), but that remote is no longer synced, so its last state is
no news about anything the user can act on. A configured remote with ``enabled = false`` is
shown as ``disabled``, with how many changes wait for it: nothing syncs it, so its last
state would read as current, and its queued changes would seem to be on their way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from textual import events
from textual.content import Content, Span
from textual.widgets import Static

from incident_tui.clock import from_db_or_none, time_of_day
from incident_tui.domain.text import clean
from incident_tui.sync.advice import short_error, untrusted
from incident_tui.ui.format import local_time

if TYPE_CHECKING:
    from incident_tui.store.reader import RemoteState


class RemoteLine(NamedTuple):
    """What the status line knows about one remote."""

    name: str
    state: str
    """``never``, ``ok``, ``failing`` or ``offline`` (the store's words), ``syncing``, or
    ``disabled`` (``enabled = false`` in the config: nothing syncs it)."""
    last_ok_at: str | None = None
    last_error: str | None = None
    progress: str = ""
    """How far a syncing remote has come (``12,000 listed``), once it has said."""
    kind: str = ""
    queued: int = 0
    """Local changes waiting for this remote."""
    last_attempt_at: str | None = None
    """When its last pass ended (the cache's time text): a failure's time."""
    waits_until: datetime | None = None
    """Until when a synced remote asked (``Retry-After``) that its queued changes wait."""


def remote_lines(
    states: Iterable[RemoteState],
    configured: Sequence[str],
    syncing: Container[str] = (),
    progress: Mapping[str, str] | None = None,
    unrecorded: Mapping[str, tuple[str, str]] | None = None,
    disabled: Container[str] = (),
    now: datetime | None = None,
    queued: Mapping[str, int] | None = None,
) -> list[RemoteLine]:
    """One line per configured remote, in config order (``never`` until its first pass), as
    the cache's remote rows and the sync loop's running passes describe them, or a failed
    pass the cache could not note (``unrecorded``: its state and error by remote). A remote
    the cache knows but the config no longer names is left out: nothing syncs it any more.
    A synced remote's queued changes that wait until a time it asked for say so, until
    ``now`` is past it (without ``now``, whatever the time). One of ``disabled``
    (``enabled = false``) is ``disabled``, whatever its last pass left: that state is no
    longer being kept up to date. ``queued``: each remote's queued changes, as the outbox
    counts them (:meth:`~incident_tui.store.reader.Reader.queued_by_remote`); without it, the
    states' own counts, which a remote that never synced (no state yet) does not have."""
    by_name = {state.name: state for state in states}
    unrecorded = unrecorded or {}
    counts = queued if queued is not None else {s.name: s.queued for s in by_name.values()}
    lines: list[RemoteLine] = []
    for name in dict.fromkeys(configured):
        state = by_name.get(name)
        kind, count = (state.kind if state else ""), counts.get(name, 0)
        if name in disabled:
            last_ok = state.last_ok_at if state else None
            lines.append(RemoteLine(name, "disabled", last_ok, kind=kind, queued=count))
        # Membership only: the App's set of running passes may change while this reads it.
        elif name in syncing:
            words = (progress or {}).get(name, "")
            lines.append(RemoteLine(name, "syncing", progress=words, kind=kind, queued=count))
        elif name in unrecorded:
            failed, error = unrecorded[name]
            last_ok = state.last_ok_at if state else None
            lines.append(RemoteLine(name, failed, last_ok, error, kind=kind, queued=count))
        elif state is None:
            lines.append(RemoteLine(name, "never", queued=count))
        else:
            waits = from_db_or_none(state.waits_until) if state.state == "ok" else None
            lines.append(
                RemoteLine(
                    name, state.state, state.last_ok_at, state.last_error, kind=kind,
                    queued=count, last_attempt_at=state.last_attempt_at,
                    waits_until=waits if waits is None or now is None or waits > now else None,
                )
            )
    return lines


def wait_words(remote: RemoteLine) -> str:
    """``changes wait until 12:05:00``: the wait a synced remote asked of its queued
    changes (empty when none), as the command line's ``sync`` says it."""
    if remote.waits_until is None:
        return ""
    return f"changes wait until {time_of_day(remote.waits_until)}"


UNTRUSTED_WORDS = "certificate not trusted"
"""An offline remote's state when it is out of reach because we refuse its certificate."""


def waiting_words(queued: int, short: bool = False) -> str:
    """The changes queued for a disabled remote, which no sync sends: ``2 changes wait``
    (``short``: ``2 waiting``); empty when there are none."""
    if not queued:
        return ""
    if short:
        return f"{queued} waiting"
    return f"{queued} change waits" if queued == 1 else f"{queued} changes wait"


def state_words(remote: RemoteLine) -> tuple[str, str]:
    """The words for one remote's state (after its name) and the theme variable that
    colours them."""
    if remote.state == "syncing":
        done = f" {clean(remote.progress, single_line=True)}" if remote.progress else ""
        return f"syncing…{done}", "$sync-never"
    if remote.state == "ok":
        waits = f", {wait_words(remote)}" if remote.waits_until else ""
        return f"ok at {local_time(remote.last_ok_at, with_date=False)}{waits}", "$sync-ok"
    if remote.state == "disabled":
        waiting = waiting_words(remote.queued)
        return ("disabled, " + waiting if waiting else "disabled"), STYLE["disabled"]
    if remote.state == "failing":
        reason = clean(remote.last_error, single_line=True)[:60] or "error"
        return f"failing: {reason}", "$sync-failing"
    if remote.state == "offline":
        words = UNTRUSTED_WORDS if untrusted(remote.last_error) else "offline"
        return words, "$sync-offline"
    return "never synced", "$sync-never"


def describe(remote: RemoteLine) -> tuple[str, str]:
    """The words for one remote and the theme variable that colours them."""
    words, style = state_words(remote)
    return f"{clean(remote.name, single_line=True)} {words}", style


def _shared(
    remotes: Iterable[RemoteLine], words: Callable[[RemoteLine], tuple[str, str]]
) -> list[tuple[str, str]]:
    """One entry per distinct ``words`` (and style), naming every remote that has them, in
    the order they first come: five remotes offline for the same cause read ``a, b, c, d,
    e offline``, which fits 80 columns where five separate entries do not."""
    names: dict[tuple[str, str], list[str]] = {}
    for remote in remotes:
        names.setdefault(words(remote), []).append(clean(remote.name, single_line=True))
    return [(f"{', '.join(group)} {text}", style) for (text, style), group in names.items()]


STYLE = {
    "failing": "$sync-failing",
    "offline": "$sync-offline",
    "syncing": "$sync-never",
    "disabled": "$sync-never",
    "ok": "$sync-ok",
}


def short_state(remote: RemoteLine, with_progress: bool = False, brief: bool = False) -> str:
    """A problem remote's state in a word or two, for the compact line; a syncing one's
    progress too if ``with_progress`` (and it has said how far it has come), without the
    reason after its colon if ``brief`` (``retrying in 2.0 s``)."""
    if remote.state == "failing":
        return short_error(remote.last_error)
    if remote.state == "syncing":
        if with_progress and remote.progress:
            progress = clean(remote.progress, single_line=True)
            if brief:
                progress = progress.partition(": ")[0]
            return f"syncing… {progress}"
        return "syncing…"
    if remote.state == "offline" and untrusted(remote.last_error):
        return "cert untrusted"
    if remote.state == "disabled" and remote.queued:
        return f"disabled, {waiting_words(remote.queued, short=True)}"
    return remote.state


ORDER = {"failing": 0, "offline": 1, "syncing": 2, "disabled": 3, "ok": 4}
"""Problems first: on a narrow terminal the end of the line is what gets cut. A disabled
remote is named with them (its changes wait, and the user switched it off); never-synced
remotes (not listed here) come last."""


def _rank(remote: RemoteLine) -> int:
    """A remote's place in :data:`ORDER` (never-synced ones after all of them)."""
    return ORDER.get(remote.state, len(ORDER))


def _grouped(remotes: Sequence[RemoteLine]) -> list[tuple[str, str]]:
    """Words and style per entry, problems first; problem and healthy remotes in the same
    words share one entry (``oncall, ops offline``, ``school, plant ok at 11:56``), so five
    remotes fit 80 columns. Never-synced remotes come last, one entry each."""
    ordered = sorted(remotes, key=_rank)
    rank = ORDER["ok"]
    return [
        *_shared((r for r in ordered if _rank(r) <= rank), state_words),
        *(describe(r) for r in ordered if _rank(r) > rank),
    ]


COMPACT_LEVELS = 3
"""How many ever shorter forms the compact line has that name the problem remotes (see
:func:`_compact`)."""
COUNTED = COMPACT_LEVELS + 1
"""The compact form's level that counts every state instead of naming remotes."""


def _counted_state(remote: RemoteLine) -> str:
    """A problem remote's state in a word, as the counted form sums it (``3 offline``)."""
    if remote.state == "offline" and untrusted(remote.last_error):
        return "cert untrusted"
    return "syncing…" if remote.state == "syncing" else remote.state


def _compact(
    remotes: Sequence[RemoteLine],
    level: int,
    shown: str = "",
    count_syncing: bool = False,
    brief: bool = False,
) -> list[tuple[str, str]]:
    """The remotes in short words, problems first, each by name with a word or two for its
    state. ``level`` 1 gives the healthy ones' sync time, 2 drops it, 3 only counts the
    healthy and the never-synced remotes, :data:`COUNTED` counts the problem remotes too,
    by state; a synced remote whose queued changes wait until a time it asked for is named
    with that time in every form. The syncing remote named ``shown`` says how far it has
    come (``brief``: without the reason); ``count_syncing`` counts the other syncing remotes
    instead of naming them."""
    ordered = sorted(remotes, key=_rank)
    pending = [r for r in ordered if _rank(r) < ORDER["ok"]]
    others = [r for r in pending if r.state == "syncing" and r.name != shown]
    if count_syncing:
        pending = [r for r in pending if r not in others]
    if level >= COUNTED:
        counts: dict[tuple[str, str], int] = {}
        for remote in pending:
            key = (_counted_state(remote), STYLE[remote.state])
            counts[key] = counts.get(key, 0) + 1
        problems = [(f"{count} {word}", style) for (word, style), count in counts.items()]
    else:
        problems = _shared(
            pending, lambda r: (short_state(r, r.name == shown, brief), STYLE[r.state])
        )
    if count_syncing and others:
        more = "more " if shown else ""
        problems.append((f"{len(others)} {more}syncing…", STYLE["syncing"]))
    healthy = [r for r in ordered if r.state == "ok" and r.waits_until is None]
    # Named in every form, with the time: queued changes that wait are what the user looks
    # for here, and the line has no other word for why they are not sent.
    waiting = _shared(
        (r for r in ordered if r.state == "ok" and r.waits_until is not None),
        lambda r: (f"ok, {wait_words(r)}", STYLE["ok"]),
    )
    never = [clean(r.name, single_line=True) for r in ordered if _rank(r) > ORDER["ok"]]
    entries = [*problems, *waiting]
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
    remotes: Sequence[RemoteLine],
    queued: int,
    note: str = "",
    width: int | None = None,
    waiting: int = 0,
    held: int = 0,
) -> Content:
    """The whole line: queued count first (it must never be cut off), with how many of those
    changes wait for the user's answer (``waiting``: refused or contested, which no sync
    sends) and how many are held behind those (``held``: no sync sends them either), then
    each remote, failing and offline ones before healthy ones. Within ``width`` cells if it
    can be: the full wording if it fits, else the first compact form that does
    (else the shortest, which the widget cuts with an ellipsis). The forms that count the
    syncing remotes without naming one, then every state, are used only when the problem
    remotes named do not fit: a cut that takes only the healthy ones leaves more to read."""
    queue = (queued, waiting, held)
    content = _assemble(_grouped(remotes), queue, note, "  │  ", bool(remotes))
    if width is None or content.cell_length <= width:
        return content
    for shown, count_syncing, level, brief in _compact_forms(remotes):
        counts = not shown and (count_syncing or level >= COUNTED)
        if counts and _problems_fit(remotes, queue, note, width, level >= COUNTED):
            break
        entries = _compact(remotes, level, shown, count_syncing, brief)
        content = _assemble(entries, queue, note, " │ ", bool(remotes))
        if content.cell_length <= width:
            break
    return content


def _problems_fit(
    remotes: Sequence[RemoteLine],
    queue: tuple[int, int, int],
    note: str,
    width: int,
    count_syncing: bool,
) -> bool:
    """Whether the queue and the problem remotes (and those whose changes wait), each named
    in the shortest words, the syncing ones counted if ``count_syncing``, fit ``width``
    cells, or miss only the words after the last name, which the widget's ellipsis takes:
    every such remote is still named."""
    problems = [r for r in remotes if _rank(r) < ORDER["ok"] or r.waits_until is not None]
    entries = _compact(problems, COMPACT_LEVELS, count_syncing=count_syncing)
    length = _assemble(entries, queue, note, " │ ", True).cell_length
    if length <= width or not entries:
        return length <= width
    # Names hold no spaces (the config's rule) and are joined by ", ": the first other
    # space of an entry ends its names; a count ("30 syncing…") must show whole.
    last = entries[-1][0]
    names = re.match(r"[^ ,]+(?:, [^ ,]+)*", last)
    if names is None or (count_syncing and last.endswith("syncing…") and last[0].isdigit()):
        return False
    words = Content(last[names.end() :]).cell_length
    # The ellipsis takes one cell.
    return length - words <= width - 1


def _compact_forms(remotes: Sequence[RemoteLine]) -> list[tuple[str, bool, int, bool]]:
    """The compact forms to try, longest first, as ``_compact``'s arguments: while a remote
    syncs, first those that say how far it has come (the first syncing remote that has said
    so; the other syncing ones named, then only counted), as the full line does, then the
    same without the reason a retry gives (a silent server's address is long, and "retrying
    in 2.0 s" alone still tells a waiting pass from a slow one); then those without
    progress, then the syncing remotes counted, then every state counted, which shows (cut)
    when none fits."""
    plain = [("", False, level, False) for level in range(1, COMPACT_LEVELS + 1)]
    plain += [("", True, COMPACT_LEVELS, False), ("", False, COUNTED, False)]
    shown = next((r.name for r in remotes if r.state == "syncing" and r.progress), "")
    if not shown:
        return plain
    with_progress = [
        (shown, count_syncing, level, brief)
        for brief in (False, True)
        for count_syncing, level in [
            *((False, level) for level in range(1, COMPACT_LEVELS + 1)),
            (True, COMPACT_LEVELS),
        ]
    ]
    return [*with_progress, *plain]


def _assemble(
    entries: Sequence[tuple[str, str]],
    queue: tuple[int, int, int],
    note: str,
    gap: str,
    any_remote: bool,
) -> Content:
    queued, waiting, held = queue
    parts: list[str | tuple[str, str]] = [
        (f"{queued} queued", "bold $mark-pending" if queued else "$foreground-muted"),
    ]
    if waiting:
        # Nothing the remotes do sends these: said next to the count, which is never cut.
        needs = "needs" if waiting == 1 else "need"
        parts += [", ", (f"{waiting} {needs} an answer", "bold $mark-failed")]
    if held:
        # Queued as the others are, but stuck as those are until they are answered.
        parts += [", ", (f"{held} held behind", "$mark-failed")]
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

    _shown: tuple[list[RemoteLine], int, str, int, int] | None = None
    _drawn: tuple[str, list[Span]] | None = None
    """The text and styles on screen (``Content`` equality compares the text only)."""

    def show(
        self,
        remotes: Iterable[RemoteLine],
        queued: int,
        note: str = "",
        waiting: int = 0,
        held: int = 0,
    ) -> None:
        """Redraw with these remote states, queue length, changes waiting for the user and
        changes held behind those (if the line reads differently)."""
        self._shown = (list(remotes), queued, note, waiting, held)
        self._draw()

    def _draw(self) -> None:
        if self._shown is None:
            return
        # Before the first layout the width is unknown: the full line, redrawn on resize.
        width = self.content_size.width or None
        remotes, queued, note, waiting, held = self._shown
        content = status_content(
            remotes, queued, note, width=width, waiting=waiting, held=held
        )
        drawn = (content.plain, list(content.spans))
        if drawn != self._drawn:
            # Only a change is drawn, and without a layout pass (the line is one row high
            # and as wide as the screen whatever it says).
            self._drawn = drawn
            self.update(content, layout=False)

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
        remotes, queued, note, waiting, held = self._shown
        self.show(
            [
                r._replace(progress=progress.get(r.name, "")) if r.state == "syncing" else r
                for r in remotes
            ],
            queued,
            note,
            waiting,
            held,
        )
