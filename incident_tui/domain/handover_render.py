"""The shift-handover summary (:class:`~incident_tui.domain.handover.Handover`) as text: the
Markdown a shift lead pastes into an e-mail or chat, plain text, the lines the TUI shows, and
JSON for scripts.

Every remote string is sanitised with :func:`clean` before it is rendered (and, for Markdown,
escaped so that it cannot add links, emphasis, HTML or mentions to the pasted e-mail). The same
handover always renders to the same bytes: nothing here reads a clock or iterates a set.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incident_tui.domain.handover import (
    BODY_WIDTH,
    REASON_WIDTH,
    TITLE_WIDTH,
    Handover,
    HandoverItem,
    Reason,
    Section,
)
from incident_tui.domain.handover import stamp as _stamp
from incident_tui.domain.mapping import format_time, parse_time
from incident_tui.domain.stats import format_duration
from incident_tui.domain.text import clean, shorten

# Escaping -----------------------------------------------------------------------------------

# Inline Markdown syntax: escapes, code spans, emphasis, links and images, autolinks and HTML,
# tables, strikethrough, entities, and @-mentions in chat tools. A backslash before ASCII
# punctuation is a literal in CommonMark, so the text reads the same once rendered.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&@])")
# Syntax that only counts at the start of a line: headings, quotes, list items, rules.
_MD_LINE_START = re.compile(r"^(#|>|\+|-|=)")
# An ordered list item ("1." or "2)"): its punctuation is escaped, as a backslash before a
# digit is no escape in CommonMark and would show ("\1. floor flooded").
_MD_NUMBERED = re.compile(r"^(\d+)([.)])")


def md_escape(text: object, width: int | None = None) -> str:
    """``text`` from a remote, made safe to put inside a Markdown line: sanitised (escape
    sequences and control characters gone), folded to one line, optionally shortened, and
    with every character that Markdown or a chat tool would interpret escaped."""
    value = clean(text, single_line=True)
    if width is not None:
        value = shorten(value, width)
    value = _MD_INLINE.sub(r"\\\1", value)
    value = _MD_NUMBERED.sub(r"\1\\\2", value)
    return _MD_LINE_START.sub(r"\\\1", value)


def plain(text: object, width: int | None = None) -> str:
    """``text`` from a remote, sanitised and folded to one line (plain-text output)."""
    value = clean(text, single_line=True)
    return shorten(value, width) if width is not None else value


# Rendering ----------------------------------------------------------------------------------


def _hours(value: float) -> str:
    return f"{value:g}"


def _number(value: float) -> int | float:
    """Whole hours as an int in JSON (``12``, not ``12.0``)."""
    return int(value) if float(value).is_integer() else value


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "time unknown"
    seconds = (now - moment).total_seconds()
    if seconds < 0:
        return f"in {format_duration(-seconds)}"
    return f"{format_duration(seconds)} ago"


def _reason_text(reason: Reason, escape: Callable[[object, int | None], str]) -> str | None:
    """A reason in words; ``None`` for the severity ones, which the severity tag shows."""
    if reason.code == "overdue":
        return f"update overdue since {_stamp(parse_time(reason.detail))}"
    if reason.code == "conflict":
        return f"conflict: {escape(reason.detail or '', REASON_WIDTH)}"
    if reason.code == "failed":
        return f"push refused: {escape(reason.detail or '', REASON_WIDTH)}"
    return None


@dataclass(frozen=True, slots=True)
class _Style:
    """What differs between the Markdown and the plain-text rendering."""

    escape: Callable[[object, int | None], str]
    heading: Callable[[int, str], str]
    strong: Callable[[str], str]
    quote: Callable[[str], str]
    bullet: str
    sub_bullet: str


_MARKDOWN = _Style(
    escape=md_escape,
    heading=lambda level, text: "#" * level + " " + text,
    strong=lambda text: f"**{text}**",
    quote=lambda text: "> " + text,
    bullet="- ",
    sub_bullet="  - ",
)

_PLAIN = _Style(
    escape=plain,
    heading=lambda level, text: text,
    strong=lambda text: text.upper(),
    quote=lambda text: "! " + text,
    bullet="- ",
    sub_bullet="    ",
)


UNSENT_WORDS = {
    "queued": "not yet sent",
    "sending": "not yet sent",
    "failed": "not sent (refused)",
    "conflict": "not sent (in conflict)",
}
"""How far a status change made here has got, by its outbox state ("not yet sent", as a
comment in the same state is marked)."""


UNSENT_PAST = {"acknowledge": "acknowledged", "resolve": "resolved", "reopen": "reopened"}
"""A status change made here, as done (``resolved here, not sent (refused)``)."""


def _status_words(item: HandoverItem, mark_reopened: bool = True) -> str:
    """The item's status, and whether the remote has it: ``resolved here, not yet sent:
    still open on the remote`` for a resolution the remote has not accepted; ``deleted on the
    remote; triggered here`` for one gone from the remote (kept for its changes). A status the
    remote has, beside a change of it refused here, names the change: ``triggered; resolved
    here, not sent (refused)``. An open one reopened this shift says so (``mark_reopened``:
    unless its section is about that)."""
    reopened = mark_reopened and item.reopened and item.open
    words = item.status + (" (reopened)" if reopened else "")
    if item.gone is not None:
        # Nothing of it can be sent: what the cache shows is all that is left of it.
        return f"{item.gone}; {words} here"
    if item.unsent is None:
        return words
    how = UNSENT_WORDS.get(item.unsent.state, "not yet sent")
    if item.resolution_unsent:
        return f"resolved here, {how}: still open on the remote"
    if not item.shows_unsent:
        # Read again from the remote after it refused the change: the status is theirs.
        done = UNSENT_PAST.get(item.unsent.change, item.unsent.change)
        return f"{words}; {done} here, {how}"
    return f"{words} here, {how}"


def _item_line(item: HandoverItem, section: str, now: datetime, style: _Style) -> str:
    tag = style.strong(item.severity or "no severity")
    ident = style.escape(item.id, None)
    if item.ref:
        ident += f" (#{style.escape(item.ref, 40)})"
    title = style.escape(item.title, TITLE_WIDTH) or "(no title)"
    facts: list[str] = [_status_words(item, mark_reopened=section != "reopened")]
    if section == "resolved":
        if item.resolved_day is not None:
            # The remote records the day alone: an hour, and a time open, would be made up.
            facts.append(f"resolved on {item.resolved_day.isoformat()} (day only)")
        elif item.resolved_at is None:
            # An update time is no resolution time: the incident may have been resolved
            # days before whatever changed it last.
            facts.append(f"resolution time not known yet; last update {_stamp(item.updated_at)}")
        else:
            facts.append(f"resolved {_stamp(item.resolved_at)}")
        if (
            item.resolved_day is None
            and item.created_at
            and item.resolved_at
            and item.resolved_at >= item.created_at
        ):
            facts.append(
                f"open for {format_duration((item.resolved_at - item.created_at).total_seconds())}"
            )
    elif section == "reopened":
        facts.append(f"reopened {_stamp(item.reopened_at)}")
        facts.append(f"opened {_stamp(item.created_at)} ({_ago(item.created_at, now)})")
    elif section == "stale":
        facts.append(f"last update {_stamp(item.last_update)} ({_ago(item.last_update, now)})")
    else:
        facts.append(f"opened {_stamp(item.created_at)} ({_ago(item.created_at, now)})")
    if section == "attention":
        facts += [t for r in item.reasons if (t := _reason_text(r, style.escape))]
    return f"{style.bullet}{tag} {ident}: {title} ({'; '.join(facts)})"


def _unsent_count(section: Section) -> str:
    """`` (and 2 not yet accepted by the remote)`` after a section's count when it leaves
    some out (:attr:`~incident_tui.domain.handover.Section.unsent`,
    :attr:`~incident_tui.domain.handover.Section.untimed`)."""
    left_out = []
    if section.unsent:
        left_out.append(f"{section.unsent} not yet accepted by the remote")
    if section.untimed:
        left_out.append(f"{section.untimed} at a time not known yet")
    if section.day_only:
        left_out.append(f"{section.day_only} on a day only partly in this shift")
    return f" (and {', '.join(left_out)})" if left_out else ""


def _lines(handover: Handover, style: _Style, brief: bool = False) -> list[tuple[str, str]]:
    """The report line by line, each with its kind (for the TUI's colouring): ``title``,
    ``meta``, ``warning``, ``heading``, ``count``, ``item``, ``more``, ``detail``, ``empty``
    and ``blank``. ``brief``: the warnings a line each, together (for a terminal)."""
    h = handover
    now = h.generated_at
    esc = style.escape
    out: list[tuple[str, str]] = []

    def add(kind: str, text: str = "") -> None:
        out.append((kind, text))

    def heading(text: str) -> None:
        add("blank")
        add("heading", style.heading(2, text))
        add("blank")

    span = f"{_stamp(h.since)} to {_stamp(now)} ({_hours(h.hours)} h)"
    add("title", style.heading(1, f"Shift handover: {span}"))
    add("blank")
    add(
        "meta",
        f"Generated {_stamp(now)} from the local cache. An open incident counts as stale "
        f"after {_hours(h.stale_hours)} h without an update. An incident can appear in more "
        "than one section.",
    )
    for number, warning in enumerate(h.brief_warnings if brief else h.warnings):
        # A blank line between full warnings: consecutive quote lines would merge into one.
        # The brief ones (plain text, a line each) stay together, to take little room.
        if number == 0 or not brief:
            add("blank")
        add("warning", style.quote(style.strong("Warning:") + " " + esc(warning, None)))
    if brief and any(remote.stale for remote in h.remotes):
        add("more", "  The reasons in full are under Sync freshness, at the end.")

    heading("At a glance")
    for section in h.sections:
        add("count", f"{style.bullet}{section.title}: {section.total}{_unsent_count(section)}")
    plural = "s" if h.comment_incidents != 1 else ""
    add(
        "count",
        f"{style.bullet}Comments this shift: {h.comment_total} "
        f"on {h.comment_incidents} incident{plural}",
    )
    if h.after_end:
        plural = "s" if h.after_end != 1 else ""
        add(
            "count",
            f"{style.bullet}Left out of every section: {h.after_end} incident{plural} dated "
            f"after this shift's end (created or resolved after {_stamp(h.until)}; a remote's "
            "clock or record may be wrong)",
        )

    for section in h.sections:
        order = f" ({section.order})" if section.order and section.total > 1 else ""
        heading(f"{section.title}: {section.total}{order}")
        if not section.items:
            add("empty", "None.")
        for item in section.items:
            add("item", _item_line(item, section.key, now, style))
        if section.omitted:
            add("more", f"{style.bullet}... and {section.omitted} more")
        if section.unsent and section.key == "reopened":
            add(
                "more",
                f"{style.bullet}Not counted: {section.unsent} reopened here that the remote "
                "has not accepted yet (still queued, refused or in conflict); the remote has "
                "them resolved.",
            )
        elif section.unsent:
            add(
                "more",
                f"{style.bullet}Not counted: {section.unsent} resolved here that the remote "
                "has not accepted yet (still queued, refused or in conflict); they count as "
                "open.",
            )
        if section.untimed:
            add(
                "more",
                f"{style.bullet}Not counted: {section.untimed} resolved at a time not known "
                "yet that changed this shift (their remote's list leaves it out until a "
                "sync reads the full record); they may have been resolved before the shift.",
            )
        if section.day_only:
            add(
                "more",
                f"{style.bullet}Not counted: {section.day_only} resolved on a day that lies only "
                "partly in this shift, and seen resolved only after it (their remote records "
                "the day alone); they may have been resolved before the shift.",
            )

    heading(f"Comments this shift: {h.comment_total}")
    if not h.comments:
        add("empty", "None.")
    for thread in h.comments:
        title = esc(thread.title, TITLE_WIDTH) or "(no title)"
        add("item", f"{style.bullet}{esc(thread.incident_id, None)}: {title}")
        if thread.omitted:
            add("more", f"{style.sub_bullet}({thread.omitted} earlier comments not shown)")
        for comment in thread.comments:
            author = esc(comment.author, 60) or "unknown"
            pending = " (not yet sent)" if comment.pending else ""
            body = esc(comment.body, BODY_WIDTH)
            stamp = _stamp(comment.created_at)
            add("detail", f"{style.sub_bullet}{stamp} {author}{pending}: {body}")
    if h.comment_incidents > len(h.comments):
        more = h.comment_incidents - len(h.comments)
        add("more", f"{style.bullet}... and comments on {more} more incidents")

    heading("Sync freshness")
    if not h.remotes:
        add("empty", "No remote has synced yet.")
    for remote in h.remotes:
        queue = ""
        if remote.queued:
            plural = "s" if remote.queued != 1 else ""
            queue = f"; {remote.queued} local change{plural} queued"
            if remote.blocked:
                queue += f" ({remote.blocked} refused or in conflict)"
        mark = ""
        if remote.stale:
            mark = style.strong("STALE" if remote.configured else "LEFT OUT") + " "
        kind = f" ({esc(remote.kind, None)})" if remote.kind else ""
        add(
            "warning" if remote.stale else "item",
            f"{style.bullet}{mark}{esc(remote.name, None)}{kind}: {esc(remote.note, None)}{queue}",
        )
    return out


def to_markdown(handover: Handover) -> str:
    """The handover as Markdown, ready to paste into an e-mail or a chat."""
    return "\n".join(line for _, line in _lines(handover, _MARKDOWN)) + "\n"


def to_text(handover: Handover) -> str:
    """The handover as plain text (what the TUI shows)."""
    return "\n".join(line for _, line in _lines(handover, _PLAIN)) + "\n"


def display_lines(handover: Handover) -> list[tuple[str, str]]:
    """The plain-text handover line by line with each line's kind, for colouring; its
    warnings a line each (:attr:`~Handover.brief_warnings`), so that at 80x24 "At a glance"
    stays on the first screen however many remotes are stale."""
    return _lines(handover, _PLAIN, brief=True)


def _item_json(item: HandoverItem) -> dict[str, Any]:
    return {
        "id": clean(item.id),
        "remote": clean(item.remote),
        "ref": clean(item.ref) if item.ref is not None else None,
        "title": clean(item.title, single_line=True),
        "status": item.status,
        "severity": item.severity,
        "reopened": item.reopened,
        # Gone from the remote, kept in the cache only for the changes of it that wait.
        "remote_deleted": item.gone is not None,
        "created_at": format_time(item.created_at),
        "updated_at": format_time(item.updated_at),
        "acknowledged_at": format_time(item.acknowledged_at),
        "resolved_at": format_time(item.resolved_at),
        # Set when resolved_at stands for this day alone (the remote records no time).
        "resolved_day": item.resolved_day.isoformat() if item.resolved_day else None,
        "reopened_at": format_time(item.reopened_at),
        "next_update": format_time(item.next_update),
        "reasons": [
            {"code": r.code, "detail": clean(r.detail) if r.detail is not None else None}
            for r in item.reasons
        ],
        # The status above is a change made here that the remote has not accepted yet.
        "unsent": (
            {"change": item.unsent.change, "state": item.unsent.state}
            if item.unsent is not None
            else None
        ),
    }


def to_json(handover: Handover) -> dict[str, Any]:
    """The handover as a JSON-ready dict with a fixed key order (``json.dumps`` it as is).

    Remote text is sanitised here too: ``json.dumps(ensure_ascii=False)`` escapes C0 controls
    but would print C1 controls and bidi overrides to a terminal verbatim.
    """
    h = handover
    return {
        "generated_at": format_time(h.generated_at),
        "since": format_time(h.since),
        "hours": _number(h.hours),
        "stale_hours": _number(h.stale_hours),
        "warnings": h.warnings,
        "counts": h.counts,
        "after_end": h.after_end,
        "sections": {
            s.key: {
                "title": s.title,
                "order": s.order,
                "total": s.total,
                "omitted": s.omitted,
                "unsent": s.unsent,
                "untimed": s.untimed,
                "day_only": s.day_only,
                "items": [_item_json(i) for i in s.items],
            }
            for s in h.sections
        },
        "comments": {
            "total": h.comment_total,
            "incidents": h.comment_incidents,
            "threads": [
                {
                    "incident_id": clean(t.incident_id),
                    "title": clean(t.title, single_line=True),
                    "total": t.total,
                    "omitted": t.omitted,
                    "comments": [
                        {
                            "author": clean(c.author) if c.author is not None else None,
                            "body": clean(c.body),
                            "created_at": format_time(c.created_at),
                            "pending": c.pending,
                        }
                        for c in t.comments
                    ],
                }
                for t in h.comments
            ],
        },
        "remotes": [
            {
                "name": r.name,
                "kind": r.kind,
                "state": r.state,
                "last_ok_at": format_time(r.last_ok_at),
                "last_error": clean(r.last_error) if r.last_error is not None else None,
                "queued": r.queued,
                "blocked": r.blocked,
                "stale": r.stale,
                "note": r.note,
                "configured": r.configured,
            }
            for r in h.remotes
        ],
    }


def dump_json(handover: Handover) -> str:
    """:func:`to_json` as text: UTF-8, two-space indent, key order as built (deterministic)."""
    return json.dumps(to_json(handover), ensure_ascii=False, indent=2) + "\n"
