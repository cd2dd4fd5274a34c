"""How the command line prints incidents: an aligned table, JSON (interface.md's shape) or CSV.

Every remote string printed to a terminal goes through :func:`clean`; JSON and CSV carry the
text as stored (they are data for scripts), except CSV printed straight to a terminal, which
is cleaned too. JSON escapes every control character, so its text is safe in a terminal too.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from incident_tui.clock import from_db, from_db_or_none
from incident_tui.domain.capabilities import DESCRIPTION_UNREAD, description_unread
from incident_tui.domain.durations import age
from incident_tui.domain.mapping import format_time
from incident_tui.domain.remote_words import remote_words
from incident_tui.domain.text import author_name, clean, counted, shorten
from incident_tui.store.reader import Detail, ListRow

CSV_FIELDS = (
    "id",
    "remote",
    "kind",
    "remote_id",
    "ref",
    "title",
    "status",
    "severity",
    "created_at",
    "updated_at",
    "pending",
)


_CANONICAL = re.compile(
    r"[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z"
)
"""A time as the cache writes it (:func:`incident_tui.clock.to_db`) that is surely valid: from
year 1000 on (earlier ones, year 0 among them, are parsed), on a day up to the 28th (later
ones are parsed, to tell a 31 April of a damaged row)."""


def _iso(text: str | None) -> str | None:
    """A cached time in the JSON form; ``None`` for a damaged one (not a time, or not text),
    as the table shows it as unknown: one bad row must not stop the rest of the output."""
    # The JSON form is the start of the cache's own: cut, not parsed and formatted again
    # (which took 2.4 s of a 100,000-incident list --json). Anything else is parsed.
    if type(text) is str and _CANONICAL.fullmatch(text):
        return text[:19] + "Z"
    try:
        return format_time(from_db(text))
    except (ValueError, TypeError, OverflowError):
        return None


def row_json(row: ListRow, description: str | None = None, status_raw: str = "") -> dict[str, Any]:
    """A list row as the JSON object of interface.md."""
    return {
        "id": row.id,
        "remote": row.remote,
        "kind": row.kind,
        "remote_id": row.remote_id,
        "ref": row.ref,
        "title": row.title,
        "description": description,
        "status": row.status,
        "status_raw": status_raw,
        "severity": row.severity,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
        "pending": row.pending,
    }


def detail_json(detail: Detail) -> dict[str, Any]:
    """One incident with its comments (``show --json``)."""
    i = detail.incident
    pending_comments = {c["seq"] for c in detail.comments if c["pending"]}
    return {
        "id": i["id"],
        "remote": i["remote"],
        "kind": i["kind"],
        "remote_id": i["remote_id"],
        "ref": i["ref"],
        "title": i["title"],
        "description": i["description"],
        "status": i["status"],
        "status_raw": i["status_raw"],
        "severity": i["severity"],
        "severity_raw": i["severity_raw"],
        "category": i["category"],
        "created_at": _iso(i["created_at"]),
        "updated_at": _iso(i["updated_at"]),
        "occurred_at": _iso(i["occurred_at"]),
        "acknowledged_at": _iso(i["acknowledged_at"]),
        "resolved_at": _iso(i["resolved_at"]),
        "reporter": i["reporter"],
        "assignees": i["assignees"],
        "custom_fields": i["custom_fields"],
        "extra": i["extra"],
        "pending": i["pending"],
        "conflict": i["conflict"],
        "failed": i["failed"],
        "comments": [
            {
                "id": c["remote_id"] or f"local-{c['seq']}",
                # The number ``show`` prints and ``delete-comment`` takes.
                "number": c["seq"],
                "author": c["author"],
                "body": c["body"],
                "created_at": _iso(c["created_at"]),
                "pending": 1 if c["seq"] in pending_comments else 0,
            }
            for c in detail.comments
        ],
        "attachments": [
            {
                "id": a["remote_id"],
                # The number ``show`` prints and ``download`` / ``delete-attachment`` take.
                "number": a["seq"],
                "name": a["name"],
                "content_type": a["content_type"],
                "size": a["size"],
                "pending": a["pending"],
            }
            for a in detail.attachments
        ],
        "changes": [
            {"seq": c["seq"], "op": c["op"], "state": c["state"], "error": c["last_error"]}
            for c in detail.changes
        ],
    }


_UNESCAPED = re.compile("[\x7f-\x9f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
r"""What JSON leaves as it is and a terminal obeys: DEL, C1 controls (``\x9b`` is a CSI) and
bidi controls, which reorder the text shown around them."""


def _escaped(text: str) -> str:
    # Outside strings JSON text is ASCII, so each of these is within one and its escape is
    # the same character to a JSON reader.
    return _UNESCAPED.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def dump_json(value: Any) -> str:
    """JSON text for scripts (UTF-8, stable key order as built), every control character
    escaped."""
    return _escaped(json.dumps(value, ensure_ascii=False, indent=2))


def json_array(items: Iterable[Any]) -> Iterator[str]:
    """The text of ``dump_json(list(items))`` in pieces of :data:`JSON_BATCH` items:
    ``list --json`` writes 100,000 incidents without holding them, or their text, all at
    once."""
    first = True
    it = iter(items)
    while batch := list(islice(it, JSON_BATCH)):
        yield ("[\n  " if first else ",\n  ") + _array_items(batch)
        first = False
    yield "[]" if first else "\n]"


JSON_BATCH = 100
"""Items encoded together: one call of the encoder (and of the escaping) per item took a
third of ``list --json``."""

_SCALARS = frozenset({str, int, float, bool, type(None)})
_KEYS = frozenset({str})
_flat_object = json.JSONEncoder(ensure_ascii=False, separators=(",\n    ", ": ")).encode
"""An object of scalars as :func:`dump_json` writes it in an array, but without the line
breaks around its braces. Python's JSON encoder is written in C only without ``indent``: the
one with ``indent`` took two thirds of the time of ``list --json``."""

_BETWEEN = "},\n    {"
"""Where one object ends and the next begins in a list of them encoded by :data:`_flat_object`:
JSON escapes line breaks within strings, so no text holds this."""


def _flat(item: Any) -> bool:
    """``item`` is a non-empty object of scalars (what :data:`_flat_object` writes)."""
    return (
        isinstance(item, dict)
        and bool(item)
        and _KEYS.issuperset(map(type, item))
        and _SCALARS.issuperset(map(type, item.values()))
    )


def _array_items(items: list[Any]) -> str:
    """``items`` as :func:`dump_json` writes them as elements of an array, with the
    separators between them."""
    if all(map(_flat, items)):
        text = _flat_object(items)[2:-2].replace(_BETWEEN, "\n  },\n  {\n    ")
        return "{\n    " + _escaped(text) + "\n  }"
    return ",\n  ".join(map(_array_item, items))


def _array_item(item: Any) -> str:
    """``item`` as :func:`dump_json` writes it as an element of an array (one level in)."""
    if _flat(item):
        return "{\n    " + _escaped(_flat_object(item)[1:-1]) + "\n  }"
    # JSON escapes the newlines within strings, so each "\n" is between two lines of the item.
    return dump_json(item).replace("\n", "\n  ")


def rows_csv(rows: Iterable[ListRow], *, terminal: bool = False) -> str:
    """CSV with a header line (see :func:`csv_lines`)."""
    return "".join(csv_lines(rows, terminal=terminal))


def csv_lines(rows: Iterable[ListRow], *, terminal: bool = False) -> Iterator[str]:
    """CSV with a header line, a line at a time (each with its newline); cells starting with
    ``= + - @`` are quoted against spreadsheet formula injection, since incident text comes
    from other people. ``terminal``: the CSV goes to a screen, not a file, so escape
    sequences and control characters in remote text are removed (they would recolour the
    screen, ring the bell or overwrite lines)."""
    buffer = io.StringIO()
    # The csv module quotes a cell holding a character of the line terminator, and only
    # then: with "\n" alone, a title holding a bare carriage return went out unquoted and
    # split its row in two for every reader. So rows are written with "\r\n" and end in
    # "\n" as before.
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Sequence[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()[:-2] + "\n"

    yield line(CSV_FIELDS)
    for row in rows:
        values = row_json(row)
        yield line([_csv_cell(values.get(name), terminal) for name in CSV_FIELDS])


def _csv_cell(value: Any, terminal: bool = False) -> str:
    text = "" if value is None else clean(value) if terminal else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


TITLE_MIN = 10
"""Fewest title cells a table row keeps before other columns give way."""
WORD_MIN = 4
"""Fewest characters the severity and status columns are cut to on a narrow terminal."""


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes: CJK and most emoji take two, combining marks
    none. rich's table is imported only for text that is not ASCII, so the usual all-ASCII
    list starts no slower."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def fit(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` terminal cells, the cut marked with an ellipsis."""
    if text.isascii():
        return shorten(text, width)
    if width <= 0:
        return ""
    if cells(text) <= width:
        return text
    from rich.cells import set_cell_size

    # A wide character that would straddle the edge becomes a space: crop, then drop it.
    return set_cell_size(text, width - 1).rstrip(" ") + "…"


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` cells (``align``: ``<`` left, ``>`` right)."""
    room = " " * max(0, width - cells(text))
    return room + text if align == ">" else text + room


def rows_table(rows: Iterable[ListRow], now: datetime, width: int | None = None) -> str:
    """An aligned, sanitised table that fits the terminal width (see :func:`table_lines`)."""
    return "\n".join(table_lines(rows, now, width))


def table_lines(
    rows: Iterable[ListRow], now: datetime, width: int | None = None
) -> Iterator[str]:
    """An aligned, sanitised table that fits the terminal width, a line at a time (without
    its newline). Only the cells of each row are kept until the widths are known, not the
    rows nor the lines, so a long list is printed in a fraction of their memory.

    Widths are terminal cells, not characters: a CJK or emoji title takes two cells a
    character. Ids are printed whole, whatever the width: commands take them as this table
    shows them, and a cut id cannot be copied. The other columns are as wide as their
    longest value; when the line is too long the title gives way first (down to
    :data:`TITLE_MIN`), then the gaps narrow and the status and severity words are cut. A
    terminal too narrow even for that wraps the line rather than lose part of an id.
    """
    width = width or shutil.get_terminal_size((100, 24)).columns
    header = ("ID", "SEV", "STATUS", "AGE", "P", "TITLE")
    # The short words repeat from row to row: each is kept once, not once a row.
    seen: dict[str, str] = {}

    def once(word: str) -> str:
        return seen.setdefault(word, word)

    rows_cells = [
        (
            clean(row.id, single_line=True),
            once(row.severity or "-"),
            once(row.status),
            once(age(from_db_or_none(row.created_at), now)),
            ("!" if row.conflict or row.failed else "*" if row.pending else ""),
            clean(row.title, single_line=True),
        )
        for row in rows
    ]
    widths = [max([cells(header[n]), *(cells(c[n]) for c in rows_cells)]) for n in range(5)]
    # One column is kept free: some terminals wrap a line that fills the last one.
    room = width - 1 - TITLE_MIN
    gap = 2 if sum(widths) + 5 * 2 <= room else 1
    for column in (2, 1):  # status, then severity
        over = sum(widths) + 5 * gap - room
        if over > 0:
            widths[column] = max(min(WORD_MIN, widths[column]), widths[column] - over)
    title_width = max(TITLE_MIN, width - 1 - sum(widths) - 5 * gap)
    aligns = ("<", "<", "<", ">", "<")

    def line(c: Sequence[str]) -> str:
        # Only the severity and status words may be cut (and the title); widths of the
        # others are their longest value.
        words = [c[0], fit(c[1], widths[1]), fit(c[2], widths[2]), c[3], c[4]]
        columns = [pad(v, w, a) for v, w, a in zip(words, widths, aligns, strict=True)]
        return (" " * gap).join([*columns, fit(c[5], title_width)])

    yield line(header).rstrip()
    for c in rows_cells:
        yield line(c).rstrip()


def _ago(created_at: str | None, now: datetime) -> str:
    """How long ago, as ``show`` says it: ``12m ago``, ``30h ago``, ``just now``."""
    text = age(from_db_or_none(created_at), now)
    return "just now" if text == "now" else f"{text} ago"


def _remote_word(word: Any, status: str) -> str:
    """The remote's own status word beside the common one, as the detail screen shows it:
    named as the remote's (a change queued here is not on the remote yet: ``resolved
    (remote: open)``), and left out when it says the same."""
    text = clean(word, single_line=True) if word else ""
    return f" (remote: {text})" if text and text != status else ""


def detail_text(detail: Detail, now: datetime) -> str:
    """A readable, sanitised view of one incident for ``show``."""
    i = detail.incident
    word = remote_words(i)["status_raw"]
    out = [
        clean(f"{i['id']}  {i['ref'] or ''}", single_line=True),
        clean(i["title"], single_line=True),
        "",
        f"status    {i['status']}" + _remote_word(word, i["status"]),
        f"severity  {i['severity'] or '-'}",
        f"created   {_iso(i['created_at']) or '?'} ({_ago(i['created_at'], now)})",
        f"updated   {_iso(i['updated_at']) or '-'}",
    ]
    if i["reporter"]:
        out.append(f"reporter  {clean(i['reporter'], single_line=True)}")
    if i["pending"]:
        out.append(f"pending   {counted(i['pending'], 'queued change')}")
    if i["conflict"]:
        out.append(f"CONFLICT  {clean(i['conflict'].get('reason', ''), single_line=True)}")
    if i["failed"]:
        out.append(f"REFUSED   {clean(i['failed'], single_line=True)}")
    if i["description"]:
        out += ["", clean(i["description"])]
    elif description_unread(i):
        # Printing nothing would say the remote has none.
        out += ["", "Description:", "  " + DESCRIPTION_UNREAD.format(when="by show --fresh")]
    if i["custom_fields"]:
        # AOH IMS attributes, Kitehouse form fields, OneUptime custom fields.
        out += ["", "Fields:"]
        for name, value in i["custom_fields"].items():
            shown = shorten(clean(str(value), single_line=True), 200)
            out.append(f"  {clean(str(name), single_line=True)}: {shown}")
    if detail.comments:
        out += ["", "Comments:"]
        for c in detail.comments:
            mark = " (pending)" if c["pending"] else ""
            if c["visibility"] == "public":
                mark += " (public)"
            who = author_name(c["author"])
            # The number is what delete-comment takes.
            out.append(f"  #{c['seq']}  {_iso(c['created_at']) or '?'}  {who}{mark}")
            out += ["    " + line for line in clean(c["body"]).splitlines()]
    if detail.attachments:
        out += ["", "Attachments:"]
        for a in detail.attachments:
            mark = " (pending upload)" if a["pending"] else ""
            size = f"  {a['size']} bytes" if a["size"] is not None else ""
            kind = f"  {clean(a['content_type'], single_line=True)}" if a["content_type"] else ""
            out.append(f"  #{a['seq']}  {clean(a['name'], single_line=True)}{kind}{size}{mark}")
    return "\n".join(out)
