"""The Kitehouse emulator's reports: the ``/dashboard`` figures, the CSV and PDF exports and
the "AI" handover e-mail streamed as server-sent events, with the documents they send.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from incident_tui.domain.mapping import status_from_keywords
from incident_tui.domain.model import Status
from incident_tui.emulators.kitehouse_data import CATEGORIES, PRIORITIES, SOURCES, Record
from incident_tui.emulators.kitehouse_render import dashboard_row, iso, name_of
from incident_tui.emulators.kitehouse_requests import date_arg, number_arg
from incident_tui.emulators.server import Request, Response

if TYPE_CHECKING:
    from incident_tui.emulators.kitehouse import KitehouseEmulator


def dashboard(emu: KitehouseEmulator, request: Request, user: str) -> Response:
    """``GET /incidents/{siteId}/dashboard``: incidents created in a date range."""
    start = date_arg(request, "startDate")
    if start is None:
        raise emu.fail(400, "querystring must have required property 'startDate'")
    end = date_arg(request, "endDate", end=True)
    category = request.arg("categoryId")
    rows = [r for r in emu.ordered(request, "-created_at")
            if r.created_at >= start and (end is None or r.created_at < end)
            and (not category or r.category == category)]
    return Response.json({"incidents": [dashboard_row(r) for r in rows],
                          "totalCount": len(rows)})


def export_csv(emu: KitehouseEmulator, request: Request, user: str) -> Response:
    """``GET /incidents/{siteId}/export-csv``: the search's incidents as a CSV file."""
    return Response(200, csv_export(emu.filtered(request)), {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="incidents.csv"'})


def export_pdf(emu: KitehouseEmulator, request: Request, user: str) -> Response:
    """``GET /incidents/{siteId}/{incidentId}/export``: one incident as a PDF file."""
    rec = emu.record(request)
    flag = (request.arg("withAttachments") or "false").lower()
    if flag not in ("true", "false", "1", "0"):
        raise emu.fail(400, "querystring/withAttachments must be boolean")
    data = pdf_document(
        f"Incident {rec.urn}", incident_lines(rec, flag in ("true", "1")), rec.updated_at
    )
    return Response(200, data, {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'attachment; filename="incident-{rec.urn}.pdf"'})


def handover(emu: KitehouseEmulator, request: Request, user: str) -> Response:
    """``GET /incidents/{siteId}/handover``: the e-mail on the last ``hours``, as SSE."""
    hours = number_arg(request, "hours", 12)
    if hours < 0:
        raise emu.fail(400, "querystring/hours must be >= 0")
    now = emu.clock()
    recent = [r for r in emu.ordered(request, "-updated_at")
              if r.updated_at >= now - timedelta(hours=hours)]
    states = {r.id: status_from_keywords(r.status) for r in recent}
    lines = handover_lines(
        recent, hours, now, {i for i, s in states.items() if s == Status.RESOLVED},
        {i for i, s in states.items() if s == Status.ACKNOWLEDGED})
    delay = emu.handover_delay

    def events() -> Iterator[bytes]:
        # Built before returning: the stream is sent after the state lock is released.
        for line in lines:
            if delay:
                time.sleep(delay)
            yield b"data: " + json.dumps({"text": line + "\n"}).encode() + b"\n\n"
        yield b"event: end\ndata: {}\n\n"

    return Response(200, headers={"Content-Type": "text/event-stream; charset=utf-8"},
                    stream=events())


def csv_export(records: Iterable[Record]) -> bytes:
    """The CSV of ``/export-csv``: one row per incident, UTF-8 with a BOM (Excel friendly)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["URN", "Created", "Updated", "Status", "Priority", "Category", "Source",
                     "Short description", "Raised by", "Assigned to", "People involved",
                     "Comments", "Attachments"])
    for rec in records:
        writer.writerow([
            rec.urn, iso(rec.created_at), iso(rec.updated_at), rec.status,
            PRIORITIES[rec.priority]["name"] if rec.priority else "",
            CATEGORIES[rec.category]["name"], SOURCES[rec.source]["name"],
            rec.short_description, name_of(rec.raised_by), name_of(rec.assigned_to),
            "; ".join(name_of(p) for p in rec.people_involved), len(rec.comments),
            len(rec.attachments),
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def incident_lines(rec: Record, with_attachments: bool) -> list[str]:
    """The text of the PDF export of one incident."""
    lines = [
        f"Incident {rec.urn}: {rec.short_description}", "",
        f"Status: {rec.status}    Priority: "
        f"{PRIORITIES[rec.priority]['name'] if rec.priority else '-'}",
        f"Category: {CATEGORIES[rec.category]['name']}    Source: {SOURCES[rec.source]['name']}",
        f"Raised by: {name_of(rec.raised_by)} at {iso(rec.created_at)}",
        f"Assigned to: {name_of(rec.assigned_to) or '-'}",
        "People involved: " + (", ".join(name_of(p) for p in rec.people_involved) or "-"), "",
        "Description:", rec.description or "-", "", "Comments:",
        *(f"{iso(c.created_at)} {name_of(c.author)}: {c.message}" for c in rec.comments),
    ]
    if with_attachments:
        lines += ["", "Attachments:"]
        lines += [f"- {a['name']!r} ({a['file_type']})" for a in rec.attachments] or ["-"]
    return lines


def pdf_document(title: str, lines: list[str], made: datetime) -> bytes:
    """A small valid PDF of ``lines`` (fpdf2, imported on first use: it is slow to load),
    dated ``made``: the same incident gives the same bytes, whenever it is exported."""
    from fpdf import FPDF

    def latin1(text: str) -> str:
        # The core Helvetica font only covers Latin-1; anything else prints as "?".
        text = "".join(ch if ch >= " " else " " for ch in text)
        return text.encode("latin-1", "replace").decode("latin-1")

    pdf = FPDF(format="A4")
    pdf.set_title(latin1(title))
    pdf.set_creator("Kitehouse emulator")
    pdf.set_creation_date(made)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in lines:
        pdf.multi_cell(0, 5, latin1(line) or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def handover_lines(records: list[Record], hours: float, now: datetime,
                   resolved: set[str], acknowledged: set[str]) -> list[str]:
    """The "AI" handover e-mail, bucketed by state, as the lines the SSE stream sends.

    ``resolved``/``acknowledged`` are the incident ids in those states (mapped by the caller).
    """
    def bullet(rec: Record) -> str:
        prio = PRIORITIES[rec.priority]["name"] if rec.priority else "No priority"
        who = name_of(rec.assigned_to) or "unassigned"
        return f"- #{rec.urn} [{prio}] {rec.short_description} ({who})"

    buckets = (
        ("Needs attention", [r for r in records if r.id not in resolved | acknowledged]),
        ("In progress", [r for r in records if r.id in acknowledged]),
        ("Resolved", [r for r in records if r.id in resolved]),
    )
    lines = [f"Subject: Handover - last {hours:g} hours to {iso(now)}", "", "Hello team,", "",
             f"{len(records)} incident(s) saw activity in the last {hours:g} hours."]
    for heading, rows in buckets:
        lines += ["", f"{heading} ({len(rows)}):", *(bullet(r) for r in rows)]
        if not rows:
            lines.append("- none")
    return [*lines, "", "Regards,", "Kitehouse Assistant"]
