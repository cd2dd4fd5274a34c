"""The OneUptime emulator's starting data: the states and severities every project gets, and
the sample (incidents of :mod:`incident_tui.emulators.sample` with their users, monitors,
labels, state timelines, notes, owners and a few files), loaded as history, without writes.
"""

from __future__ import annotations

import random
from datetime import timedelta

from incident_tui.emulators.oneuptime_data import PROJECT_ID
from incident_tui.emulators.oneuptime_store import OneuptimeStore, slug
from incident_tui.emulators.oneuptime_values import Row, now_ms
from incident_tui.emulators.sample import PEOPLE, PLACES, sample_incidents

DEFAULT_STATES = (
    ("Identified", "#EF4444", "created"),
    ("Acknowledged", "#F59E0B", "acknowledged"),
    ("Resolved", "#10B981", "resolved"),
)
"""The states a new project gets (name, colour, flag), in order 1..3."""
CUSTOM_STATE = ("Investigating", "#3B82F6")
"""The optional unflagged state, placed between Acknowledged and Resolved."""
DEFAULT_SEVERITIES = (
    ("Critical Incident", "#DC2626"),
    ("Major Incident", "#F97316"),
    ("Minor Incident", "#FACC15"),
)
"""The severities a new project gets, in order 1..3."""

SAMPLE_POSTMORTEM_FILES = (
    ("postmortem.md", "text/markdown", b"# Post-mortem\n\nTimeline, impact and follow-ups.\n"),
    ("timeline.png", "image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64))),
)
"""Files (name, MIME type, bytes) the sample attaches to the first postmortems."""
SAMPLE_NOTE_FILES = (
    ("error.log", "text/plain", b"ERROR upstream timed out after 30s\n"),
    ("dashboard.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(255, 191, -1))),
)
"""Files (name, MIME type, bytes) the sample attaches to the first notes."""
SAMPLE_FILE_OWNERS = 3
"""How many postmortems, and how many notes of each kind, the sample gives files."""
ROOT_CAUSES = (
    "A configuration change rolled out without a canary.",
    "Connection pool sized for last year's traffic.",
    "Expired credentials on a third-party integration.",
    "Hardware fault on a single host; failover was slow.",
    "An unbounded retry loop amplified a brief upstream outage.",
)
REMEDIATIONS = (
    "Roll back the last deploy, then drain and restart the affected pool.",
    "Fail over to the standby and page the owning team.",
    "Clear the queue backlog with the replay tool once the consumer is healthy.",
)


def seed_project(store: OneuptimeStore, project: str, investigating: bool) -> None:
    """Give a new project its default states (and the optional unflagged one) and severities."""
    states = [(name, color, flag) for name, color, flag in DEFAULT_STATES]
    if investigating:
        states.insert(2, (*CUSTOM_STATE, ""))
    for order, (name, color, flag) in enumerate(states, start=1):
        store.setup_row("incident-state", project, name=name, slug=slug(name), color=color,
                        order=order, isCreatedState=flag == "created",
                        isAcknowledgedState=flag == "acknowledged",
                        isResolvedState=flag == "resolved")
    for order, (name, color) in enumerate(DEFAULT_SEVERITIES, start=1):
        store.setup_row("incident-severity", project, name=name, slug=slug(name), color=color,
                        order=order)


def load_sample(store: OneuptimeStore, count: int, seed: int, investigating: bool) -> None:
    """Load ``count`` sample incidents into PROJECT_ID, with their users, monitors, labels,
    state timelines, notes, owners and (for the first few) files, all as history."""
    rng = random.Random(seed + 1)
    users = {name: store.setup_row("user", PROJECT_ID, name=name,
                                   email=slug(name).replace("-", ".") + "@example.com")["_id"]
             for name in PEOPLE}
    monitors = {place: store.setup_row("monitor", PROJECT_ID, name=place)["_id"]
                for place in PLACES}
    labels: dict[str, str] = {}
    states = {s["name"]: s["_id"] for s in store.states(PROJECT_ID)}
    severities = {s["name"].split()[0].lower(): s["_id"]
                  for s in store.tables["incident-severity"].select(PROJECT_ID, None, None)}
    incidents = store.tables["incident"]
    now = now_ms(store.clock())
    for item in sample_incidents(count, now=store.clock(), seed=seed):
        created, updated = now_ms(item.created_at), now_ms(item.updated_at)
        if updated >= now:
            # The generator clamps future activity to "now"; spread those rows over the
            # last milliseconds, as no real server stamps hundreds of rows at once.
            updated = max(created, now - timedelta(milliseconds=count - item.number + 1))
        if item.category not in labels:
            labels[item.category] = store.setup_row("label", PROJECT_ID, name=item.category)["_id"]
        number = store.next_number(PROJECT_ID)
        resolved = item.status == "resolved"
        row: Row = dict.fromkeys(incidents.columns)
        row.update(
            _id=store.new_id(), projectId=PROJECT_ID, createdAt=created, updatedAt=updated,
            title=item.title, description=item.description, declaredAt=created,
            createdByUserId=users[item.reporter], incidentNumber=number,
            incidentNumberWithPrefix=f"INC-{number}", isVisibleOnStatusPage=True,
            isCreatedAutomatically=False, incidentSeverityId=severities[item.severity or
                                                                       "minor"],
            customFields={"location": item.location}, labels=[labels[item.category]],
            monitors=[monitors[item.location]] if item.location in monitors else [],
            rootCause=rng.choice(ROOT_CAUSES) if resolved else None,
            remediationNotes=rng.choice(REMEDIATIONS) if item.status != "triggered" else None,
            postmortemNote=f"Post-mortem for INC-{number}: {rng.choice(ROOT_CAUSES)}"
            if resolved and item.severity == "critical" else None)
        row["slug"] = f"{slug(item.title)}-{row['_id'][:8]}"
        # The generator may place an acknowledgement after "now"; history cannot.
        steps = [("Identified", created)]
        if item.acknowledged_at:
            steps.append(("Acknowledged", min(now_ms(item.acknowledged_at), updated)))
            if investigating and item.status == "acknowledged" and number % 2 == 0:
                steps.append(("Investigating", steps[-1][1]))
        if item.resolved_at:
            steps.append(("Resolved", min(now_ms(item.resolved_at), updated)))
        for index, (name, at) in enumerate(steps):
            store.setup_row("incident-state-timeline", PROJECT_ID, incidentId=row["_id"],
                            incidentStateId=states[name], startsAt=at, createdAt=at,
                            updatedAt=at, endsAt=steps[index + 1][1] if index + 1 < len(steps)
                            else None)
        row["currentIncidentStateId"] = states[steps[-1][0]]
        incidents.insert(row)
        for index, comment in enumerate(item.comments):
            public, at = (number + index) % 3 == 0, now_ms(comment.at)
            store.setup_row("incident-public-note" if public else "incident-internal-note",
                            PROJECT_ID, incidentId=row["_id"], note=comment.body,
                            createdByUserId=users[comment.author], createdAt=at, updatedAt=at,
                            **({"postedAt": at} if public else {}))
        if item.status != "triggered":
            store.setup_row("incident-owner-user", PROJECT_ID, incidentId=row["_id"],
                            userId=users[rng.choice(PEOPLE)], createdAt=created,
                            updatedAt=created)
        store.last_stamp = max(store.last_stamp, updated)
    # After every incident and note, so the files take no ids the rows had before.
    _sample_files(store)


def _sample_files(store: OneuptimeStore) -> None:
    """Give the first few postmortems and notes of each kind files, without a write (the
    sample is history, as loaded)."""
    # Resolved incidents have the postmortems; those with a written one first (a small
    # sample may have none, and a postmortem's files do not need its note).
    resolved = [row for row in store.tables["incident"].rows.values() if row["rootCause"]]
    owners = sorted(resolved, key=lambda row: not row["postmortemNote"])[:SAMPLE_FILE_OWNERS]
    for index, row in enumerate(owners):
        # Every other postmortem has both files, so some incident holds more than one.
        files = SAMPLE_POSTMORTEM_FILES[: 1 + index % 2]
        row["postmortemAttachments"] = [
            store.store_file(row["projectId"], f"{row['incidentNumberWithPrefix']}-{name}", kind,
                             data)["_id"] for name, kind, data in files]
    for path in ("incident-internal-note", "incident-public-note"):
        notes = list(store.tables[path].rows.values())[:SAMPLE_FILE_OWNERS]
        for index, note in enumerate(notes):
            name, kind, data = SAMPLE_NOTE_FILES[index % len(SAMPLE_NOTE_FILES)]
            note["attachments"] = [store.store_file(note["projectId"], name, kind, data)["_id"]]
    for path in ("incident", "incident-internal-note", "incident-public-note"):
        store.tables[path].changed()
