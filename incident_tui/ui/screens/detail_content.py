"""The detail screen's common sections as Textual ``Content``, built from cleaned strings only.

Remote text never meets a markup parser: every value goes through ``clean`` and into
``Content.assemble`` as plain text; styles are our own constant strings.

The labelled lines, bodies and joins here are also what each kind's own section
(``detail_kind``) is drawn with; the picker lines at the end name the attachments and
comments the screen's actions choose from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from textual.content import Content

from incident_tui.domain.capabilities import (
    DESCRIPTION_UNREAD,
    OCCURRED_AS_DAY,
    description_unread,
)
from incident_tui.domain.gone import moved_away
from incident_tui.domain.remote_words import remote_words
from incident_tui.domain.sizes import size_text
from incident_tui.domain.text import clean, counted
from incident_tui.sync.outbox import THEIR_ATTRIBUTES
from incident_tui.ui.format import local_time, value_text
from incident_tui.ui.widgets.hanging_text import LABEL_STYLE

LABEL_WIDTH = 14
MAX_TITLE = 500
"""Longest title shown in full on the detail screen (a title is not a document)."""
MAX_BODY = 20_000
"""Longest description or comment shown (the rest is cut with a note)."""

Part = str | tuple[str, str] | Content


def body_text(text: Any) -> str:
    """Multi-line remote text, cleaned, tabs expanded, bounded."""
    cleaned = clean(text).expandtabs(4)
    if len(cleaned) > MAX_BODY:
        return cleaned[:MAX_BODY] + f"\n… ({len(cleaned) - MAX_BODY:,} more characters)"
    return cleaned


def field_line(label: str, value: Part | list[Part], width: int = LABEL_WIDTH) -> Content:
    """``label      value`` with the label dimmed, padded to ``width``. The padded label is
    one span in :data:`LABEL_STYLE`: a :class:`HangingText` continues a long value under
    the value."""
    parts = value if isinstance(value, list) else [value]
    padded = label.ljust(width) if len(label) < width else label + "  "
    return Content.assemble((padded, LABEL_STYLE), *parts)


def lines(items: Iterable[Content]) -> Content:
    """Join lines with newlines."""
    return Content("\n").join(list(items))


def title(incident: Mapping[str, Any]) -> Content:
    """The incident's title, bold."""
    text = clean(incident.get("title"), single_line=True) or "(no title)"
    if len(text) > MAX_TITLE:
        return Content.assemble(
            (text[:MAX_TITLE], "bold"),
            (f" … ({len(text) - MAX_TITLE:,} more characters)", "$foreground-muted"),
        )
    return Content.assemble((text, "bold"))


def fields(incident: Mapping[str, Any]) -> Content:
    """Every common field, one per line."""
    status = str(incident.get("status") or "")
    severity = incident.get("severity")
    words = remote_words(incident)
    out = [
        field_line("ID", clean(incident.get("id"), single_line=True)),
        field_line(
            "Remote",
            f"{clean(incident.get('remote'), single_line=True)} "
            f"({clean(incident.get('kind'), single_line=True)})",
        ),
        field_line(
            "Status",
            [
                (status, f"bold $status-{status}" if status else ""),
                _raw(words["status_raw"], status),
            ],
        ),
        field_line(
            "Severity",
            [
                (str(severity or "none"), f"bold $severity-{severity or 'none'}"),
                _raw(words["severity_raw"], severity),
            ],
        ),
        field_line("Created", local_time(incident.get("created_at"))),
    ]
    # Optional fields only when set: at 80x24 every line counts.
    optional: list[tuple[str, str]] = [
        ("Ref", value_text(incident.get("ref"))),
        ("Category", value_text(incident.get("category"))),
        ("Container", value_text(incident.get("container"))),
        ("Reporter", value_text(incident.get("reporter"))),
        ("Assignees", join_values(incident.get("assignees"))),
        ("Occurred", _occurred(incident)),
        ("Updated", local_time(incident.get("updated_at"))),
        ("Acknowledged", local_time(incident.get("acknowledged_at"))),
        ("Resolved", local_time(incident.get("resolved_at"))),
        ("Synced", local_time(incident.get("synced_at"))),
    ]
    out += [field_line(label, value) for label, value in optional if value not in ("", "-")]
    pending = int(incident.get("pending") or 0)
    if pending:
        queued = f"{counted(pending, 'local change')} queued"
        out.append(field_line("Pending", (queued, "$mark-pending")))
    if incident.get("local_only"):
        out.append(field_line("Local only", ("not yet accepted by the remote", "$mark-pending")))
    if incident.get("failed"):
        out.append(field_line("Refused", (value_text(incident.get("failed")), "$mark-failed")))
    if incident.get("remote_deleted"):
        gone = (
            "not on the system it now points at"
            if moved_away(incident.get("conflict"))
            else "deleted on the remote"
        )
        out.append(field_line("Remote", (gone, "$mark-conflict")))
    return lines(out)


def _occurred(incident: Mapping[str, Any]) -> str:
    """When it occurred; only the day where the remote gives no more."""
    shown = local_time(incident.get("occurred_at"))
    return shown[:10] if incident.get("kind") in OCCURRED_AS_DAY else shown


def _raw(raw: Any, common: Any) -> Part:
    text = clean(raw, single_line=True)
    if not text or text == str(common or ""):
        return ""
    return (f"  (remote: {text[:80]})", "$foreground-muted")


def join_values(values: Any) -> str:
    """A list of remote values on one line, comma separated (``-`` when there are none)."""
    if not values:
        return "-"
    if isinstance(values, list):
        return ", ".join(value_text(v, limit=80) for v in values)
    return value_text(values)


def description(incident: Mapping[str, Any]) -> Content:
    """The description, or a dim note when there is none, or none read yet."""
    text = body_text(incident.get("description"))
    if text.strip():
        return Content(text)
    if description_unread(incident):
        unread = DESCRIPTION_UNREAD.format(when="while this incident is open")
        return Content.styled(unread, "$foreground-muted")
    return Content.styled("No description.", "$foreground-muted")


def mapping(values: Any) -> Content:
    """A dict of remote fields (custom fields, attributes, extras), one ``key value`` a line."""
    if not isinstance(values, Mapping) or not values:
        return Content("")
    return lines(
        field_line(
            clean(key, single_line=True)[:40],
            # JSON spelling for booleans (an AOH attribute is true, not Python's True).
            ("true" if value else "false") if isinstance(value, bool) else value_text(value),
        )
        for key, value in sorted(values.items(), key=lambda kv: str(kv[0]))
    )


def comment_marks(item: Mapping[str, Any]) -> list[Part]:
    """What the header of a comment says beside its author: the kind of note, where the
    remote has kinds, and whether it is still to be sent."""
    marks: list[Part] = []
    visibility = clean(item.get("visibility"), single_line=True)[:20]
    if visibility == "public":
        # A public note is on the status page for everyone: it must stand out.
        marks.append(("  ● public", "bold $warning"))
    elif visibility == "internal":
        marks.append(("  internal", "$foreground-muted"))
    elif visibility:
        marks.append((f"  [{visibility}]", "$accent"))
    if item.get("pending"):
        marks.append(("  ↑ pending", "$mark-pending"))
    return marks


def comments(items: Sequence[Mapping[str, Any]]) -> Content:
    """The comment timeline, oldest first: a dim header line then the indented body."""
    out: list[Content] = []
    for item in items:
        head: list[Part] = [
            (local_time(item.get("created_at")), "$foreground-muted"),
            "  ",
            (clean(item.get("author"), single_line=True)[:60] or "unknown", "bold"),
            *comment_marks(item),
        ]
        out.append(Content.assemble(*head))
        body = body_text(item.get("body"))
        out.append(Content("\n".join("  " + line for line in body.split("\n"))))
        out.append(Content(""))
    return lines(out[:-1]) if out else Content.styled("No comments.", "$foreground-muted")


def attachments(items: Sequence[Mapping[str, Any]]) -> Content:
    """File names with type, size and address (shown, never opened or used as paths)."""
    out = []
    for item in items:
        parts: list[Part] = [(clean(item.get("name"), single_line=True)[:200] or "?", "bold")]
        if item.get("content_type"):
            parts.append(f"  {clean(item.get('content_type'), single_line=True)[:60]}")
        parts.append(f"  {size_text(item.get('size'))}")
        if item.get("pending"):
            parts.append(("  ↑ pending", "$mark-pending"))
        out.append(Content.assemble(*parts))
        if item.get("url"):
            out.append(
                Content.styled("  " + value_text(item.get("url"), limit=300), "$foreground-muted")
            )
    return lines(out)


def changes(items: Sequence[Mapping[str, Any]]) -> Content:
    """Queued local changes with their push state and the remote's last refusal."""
    out = []
    for item in items:
        state = clean(item.get("state"), single_line=True)
        style = {"failed": "$mark-failed", "conflict": "$mark-conflict"}.get(state, "$mark-pending")
        attempts = int(item.get("attempts") or 0)
        out.append(
            Content.assemble(
                (f"#{item.get('seq')}  ", "$foreground-muted"),
                (clean(item.get("op"), single_line=True), "bold"),
                "  ",
                (state, style),
                f"  {counted(attempts, 'attempt')}" if attempts else "",
                (f"  {local_time(item.get('created_at'))}", "$foreground-muted"),
            )
        )
        if item.get("last_error"):
            out.append(Content.styled("  " + value_text(item.get("last_error"), limit=300), style))
    return lines(out)


def conflict(incident: Mapping[str, Any]) -> Content:
    """What the remote changed under a local edit, or empty when there is no conflict."""
    info = incident.get("conflict")
    if not info:
        return Content("")
    if not isinstance(info, Mapping):
        return Content(value_text(info))
    out = [field_line("Reason", (value_text(info.get("reason")), "$mark-conflict"))]
    if info.get("fields"):
        out.append(field_line("Fields", join_values(info.get("fields"))))
    theirs = info.get("theirs")
    values = sorted(theirs.items(), key=lambda kv: str(kv[0])) if isinstance(
        theirs, Mapping) else []
    # A custom attribute in dispute is no field of the incident: its value is kept apart.
    attributes = info.get(THEIR_ATTRIBUTES)
    if isinstance(attributes, Mapping):
        values += sorted(attributes.items(), key=lambda kv: str(kv[0]))
    if values:
        # A heading, then each field indented under it: "Theirs description" was wider
        # than the label column and pushed its value out of line with the others.
        out.append(Content.styled("Theirs", "$foreground-muted"))
        for key, value in values:
            label = "  " + clean(key, single_line=True)[: LABEL_WIDTH - 3]
            out.append(field_line(label, value_text(value)))
    return lines(out)


# Choices (pickers) ------------------------------------------------------------------------


def attachment_choice(item: Mapping[str, Any]) -> Content:
    """One attachment as a line of a picker: name, type and size, and whether it is sent."""
    parts: list[Part] = [(clean(item.get("name"), single_line=True)[:120] or "?", "bold")]
    if item.get("content_type"):
        parts.append(f"  {clean(item.get('content_type'), single_line=True)[:40]}")
    parts.append(f"  {size_text(item.get('size'))}")
    if item.get("pending"):
        parts.append(("  ↑ pending", "$mark-pending"))
    return Content.assemble(*parts)


def comment_choice(item: Mapping[str, Any]) -> Content:
    """One comment as a line of a picker: time, author, the marks its header has in the
    comments section (a public note's, an unsent one's: the same text may be both a public
    and an internal note) and the start of its text."""
    first = clean(item.get("body"), single_line=True)
    return Content.assemble(
        (local_time(item.get("created_at")), "$foreground-muted"),
        "  ",
        (clean(item.get("author"), single_line=True)[:40] or "unknown", "bold"),
        *comment_marks(item),
        "  ",
        first[:80] + ("…" if len(first) > 80 else ""),
    )
