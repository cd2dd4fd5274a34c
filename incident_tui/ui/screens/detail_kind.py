"""Each remote kind's own part of the detail screen, as Textual ``Content``.

Besides the common fields, each remote kind has a section of its own (:func:`kind_section`):
the remote fields issue 4 names (people involved, office, labels, root cause, dedup key, next
update...) as labelled lines instead of a JSON dump; what it does not name stays in the
"Remote fields" list (:func:`remote_fields`). The free-form fields take the kind's name for
them (:func:`custom_heading`), and a promised update (AOH ``next_update``) counts down and
turns late (:func:`due`, :func:`overdue`).

As everywhere on the detail screen, remote text goes through ``clean`` into
``Content.assemble`` as plain text; styles are our own constant strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from textual.content import Content

from incident_tui.domain.capabilities import KIND_TITLES, Capability, can
from incident_tui.domain.mapping import parse_time
from incident_tui.domain.stats import format_duration
from incident_tui.domain.text import clean, counted
from incident_tui.ui.format import clock_text, value_text
from incident_tui.ui.screens.detail_content import (
    LABEL_WIDTH,
    Part,
    body_text,
    field_line,
    join_values,
    lines,
    mapping,
)

MAX_ITEMS = 50
"""Most people, resources or actions listed in a kind's section (the rest are counted)."""


class Show(NamedTuple):
    """One remote field of a kind's section: where it is, its label and how to draw it."""

    key: str
    label: str
    how: str = "text"
    """``text`` one line; ``list`` comma separated; ``lines`` one item a line; ``people``
    Kitehouse person records; ``block`` multi-line text under the label; ``yesno`` a
    boolean; ``flag`` shown only when true; ``count`` shown only when above zero; ``due`` a
    promised time, highlighted once it has passed."""
    source: str = "extra"
    """``extra`` (the connector's chosen remote fields) or ``raw`` (the last payload)."""


KIND_FIELDS: dict[str, tuple[Show, ...]] = {
    "kitehouse": (
        Show("people_involved", "People involved", "people"),
        Show("staff", "Staff", "people"),
        Show("source", "Source"),
        Show("chargeable", "Chargeable", "yesno"),
        Show("report_contains_welfare_flag", "Welfare flag", "flag"),
        Show("incident_tracker_reference", "Tracker ref"),
        Show("incident_tracker_sync_status", "Tracker sync"),
        Show("inventory_status", "Inventory"),
    ),
    "fourhse": (
        Show("office_name", "Office"),
        Show("project_name", "Project"),
        Show("project_type", "Project type"),
        Show("date_closed", "Date closed", source="raw"),
        Show("involved_people", "People involved", "lines"),
        Show("totInvolvedPerson", "People count", "count"),
        Show("totSicknessDays", "Sickness days", "count"),
        Show("involved_resources", "Resources", "lines"),
        Show("involved_actions", "Corrective actions", "lines"),
        Show("manager", "Manager", "list"),
        Show("watcher", "Watchers", "list"),
        Show("creator", "Creator"),
        Show("to", "To"),
        Show("external_reference_id", "External ref"),
        Show("description_actions_involved", "Actions taken", "block"),
    ),
    "revily": (
        Show("key", "Dedup key"),
        Show("service", "Service"),
        Show("escalation policy rule", "Escalation rule"),
        Show("escalation loops", "Escalation loops", "count"),
    ),
    "oneuptime": (
        Show("labels", "Labels", "list"),
        Show("monitors", "Monitors", "list"),
        Show("visible on status page", "Status page", "yesno"),
        Show("root cause", "Root cause", "block"),
        Show("remediation notes", "Remediation", "block"),
        Show("postmortem", "Postmortem", "block"),
    ),
    "aoh_ims": (
        Show("next_update", "Next update", "due"),
        Show("type", "Type"),
        Show("location", "Location"),
        Show("backdated", "Backdated", "flag"),
        Show("created_by", "Created by"),
        Show("updated_by", "Updated by"),
    ),
}
"""What each kind's section shows, in order; absent or empty values take no line."""

SHOWN_ELSEWHERE: dict[str, frozenset[str]] = {
    # The same values are already common fields (ref, severity, reporter, status, occurred)
    # or counts of lists shown in full; repeating them only costs lines at 80x24.
    "kitehouse": frozenset(
        {"urn", "priority", "raised_by", "attachments_length", "user_comments_count"}
    ),
    "fourhse": frozenset({"people_count", "resources_count", "actions_count"}),
    "revily": frozenset({"links"}),
    "oneuptime": frozenset({"state", "severity", "incident number", "created by", "declared at"}),
    "aoh_ims": frozenset(),
}

CUSTOM_HEADINGS: dict[str, str] = {"aoh_ims": "Attributes", "revily": "Details"}
"""The name each kind gives its free-form fields (the "Custom fields" section)."""


def kind_title(kind: Any) -> str:
    """The kind's name as people know it (for the section heading)."""
    return KIND_TITLES.get(str(kind or ""), clean(kind, single_line=True)[:40])


def custom_heading(kind: Any) -> str:
    """The heading of the free-form fields section for this kind."""
    return CUSTOM_HEADINGS.get(str(kind or ""), "Custom fields")


def kind_section(
    incident: Mapping[str, Any], comments: Sequence[Mapping[str, Any]], now: datetime
) -> Content:
    """The remote fields this incident's kind is known for, labelled; empty if it has none."""
    kind = str(incident.get("kind") or "")
    sources = {"extra": incident.get("extra"), "raw": incident.get("raw")}
    present = [
        (show, values[show.key])
        for show in KIND_FIELDS.get(kind, ())
        if isinstance(values := sources.get(show.source), Mapping) and show.key in values
    ]
    # One label column for the section, as wide as its longest label ("Corrective actions").
    width = max([LABEL_WIDTH, *(len(s.label) + 2 for s, _ in present if s.how != "block")])
    # A resolved incident owes no more updates: its last promise is shown, never as late.
    settled = incident.get("status") == "resolved"
    out: list[Content] = []
    for show, value in present:
        out += _show(show, value, now, width, settled=settled)
    if comments and can(kind, Capability.PUBLIC_NOTES):
        public = sum(1 for c in comments if c.get("visibility") == "public")
        note = f"{public} of {counted(len(comments), 'note')} on the status page"
        out.insert(min(len(out), 3), field_line("Public notes", note, width))
    return lines(out)


def remote_fields(incident: Mapping[str, Any]) -> Content:
    """The remote fields the kind's section does not show (and that are not repeats)."""
    extra = incident.get("extra")
    if not isinstance(extra, Mapping):
        return Content("")
    kind = str(incident.get("kind") or "")
    used = {s.key for s in KIND_FIELDS.get(kind, ()) if s.source == "extra"}
    used |= SHOWN_ELSEWHERE.get(kind, frozenset())
    return mapping({k: v for k, v in extra.items() if k not in used})


def attributes(incident: Mapping[str, Any]) -> Content:
    """The free-form fields; an AOH incident without attributes says so (they can be set)."""
    shown = mapping(incident.get("custom_fields"))
    if not shown.plain and incident.get("kind") == "aoh_ims":
        return Content.styled("No attributes.", "$foreground-muted")
    return shown


def _show(
    show: Show, value: Any, now: datetime, width: int, *, settled: bool = False
) -> list[Content]:
    if value is None or value == "" or value == [] or value == {}:
        return []
    how, label = show.how, show.label
    if how == "yesno":
        return [field_line(label, _yes_no(value), width)]
    if how == "flag":
        return [field_line(label, (_yes_no(value), "bold $warning"), width)] if value else []
    if how == "count":
        return [field_line(label, value_text(value), width)] if _positive(value) else []
    if how == "due":
        return [field_line(label, due(value, None if settled else now), width)]
    if how == "list":
        return [field_line(label, join_values(value), width)]
    if how in ("lines", "people"):
        items = value if isinstance(value, list) else [value]
        rendered = [
            _person(item) if how == "people" else Content(value_text(item, limit=300))
            for item in items[:MAX_ITEMS]
        ]
        if len(items) > MAX_ITEMS:
            rendered.append(Content.styled(f"… {len(items) - MAX_ITEMS} more", "$foreground-muted"))
        # One item a line, aligned under the first (the label column stays clear).
        indent = Content(" " * width)
        return [field_line(label, rendered[0], width), *(indent + line for line in rendered[1:])]
    if how == "block":
        text = body_text(value)
        if not text.strip():
            return []
        return [
            Content.styled(label, "$foreground-muted"),
            Content("\n".join("  " + line for line in text.split("\n"))),
        ]
    return [field_line(label, value_text(value, limit=300), width)]


def due(value: Any, now: datetime | None) -> list[Part]:
    """A promised time (AOH ``next_update``): local time and how long until it, or, once
    passed, how late it is, in the theme's error colour. ``now`` ``None``: just the time."""
    when = parse_time(value)
    if when is None:
        return [value_text(value, limit=80)]
    shown = clock_text(when)
    if now is None:
        return [shown]
    seconds = (when - now).total_seconds()
    if seconds < 0:
        return [(shown, "bold $error"), (f"  overdue by {duration(-seconds)}", "bold $error")]
    return [shown, (f"  due in {duration(seconds)}", "$foreground-muted")]


def overdue(incident: Mapping[str, Any], now: datetime) -> bool:
    """Whether the open incident promised an update (``next_update``) that is now late."""
    if incident.get("status") == "resolved":
        return False
    extra = incident.get("extra")
    when = parse_time(extra.get("next_update")) if isinstance(extra, Mapping) else None
    return when is not None and when < now


def overdue_known(incident: Mapping[str, Any]) -> bool:
    """Whether the incident promises an update at all (its countdown needs redrawing)."""
    extra = incident.get("extra")
    return isinstance(extra, Mapping) and bool(extra.get("next_update"))


def duration(seconds: float) -> str:
    """A span for people, as the dashboard and handover write it (``25m``, ``1h 05m``,
    ``2d 03h``), except that seconds read ``under a minute`` in a countdown."""
    if seconds < 60:
        return "under a minute"
    return format_duration(seconds // 60 * 60)


def _yes_no(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value_text(value, limit=80)


def _positive(value: Any) -> bool:
    try:
        return float(value) > 0
    except (TypeError, ValueError):
        return bool(value)


def _person(person: Any) -> Content:
    """A Kitehouse person record on one line: name, then role, group, place, ids, flags."""
    if not isinstance(person, Mapping):
        return Content(value_text(person, limit=200))
    name = clean(person.get("name") or person.get("record_name"), single_line=True)[:80]
    details = [
        clean(person.get(key), single_line=True)[:60]
        for key in ("type", "job_title", "section", "location", "student_id")
        if person.get(key) not in (None, "")
    ]
    parts: list[Part] = [(name or "?", "bold")]
    if details:
        parts.append("  " + " · ".join(d for d in details if d))
    flags = person.get("flags")
    if isinstance(flags, list) and flags:
        parts.append(
            (
                "  flags: " + ", ".join(value_text(f, limit=40) for f in flags[:10]),
                "$foreground-muted",
            )
        )
    if person.get("welfare_flag"):
        parts.append(("  welfare flag", "bold $warning"))
    if person.get("welfare_state"):
        parts.append(f"  welfare: {value_text(person.get('welfare_state'), limit=60)}")
    return Content.assemble(*parts)
