"""The list's id column cuts a long id keeping its end: ids of one remote count up, so the
digits that tell ``INC-10000`` from ``INC-10001`` are the last ones. Drawn with the list's
own line painter at 80 and 100 columns (no App: lines are pure functions of a row)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.cells import cell_len
from rich.style import Style

from incident_tui.ui.widgets.row_format import columns_for, fit_end, paint_row, resolve_styles
from incident_tui.ui.widgets.rows import RowView, short_label

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def row(label: str, remote: str = "status") -> RowView:
    """A list row with the id ``label``."""
    return RowView(
        id=f"{remote}:{label}", remote=remote, kind="oneuptime", label=label,
        title="Payment API latency", status="triggered", severity="major", created=NOW,
        pending=0, conflict=False, failed=False, local_only=False,
    )


def id_cell(view: RowView, width: int) -> str:
    """The id column of the line the list draws for ``view`` at ``width`` columns."""
    columns = columns_for(width)
    styles = resolve_styles(Style(), lambda _name: Style())
    text = paint_row(view, columns, styles, now=NOW, cursor=False, selected=False).text
    assert cell_len(text) == width
    return text[3 : 3 + columns.label]  # after the selection dot, the mark and its gap


@pytest.mark.parametrize("width", [80, 100])
def test_ids_that_differ_at_the_end_stay_apart(width: int) -> None:
    refs = [f"INC-{n}" for n in (10000, 10001, 10002, 123456789)]
    cells = [id_cell(row(short_label(ref, None)), width) for ref in refs]
    assert len(set(cells)) == len(cells)
    for ref, cell in zip(refs, cells, strict=True):
        shown = cell.rstrip()
        assert shown == ref or (shown.startswith("…") and ref.endswith(shown[1:]))
    assert id_cell(row("INC-10001"), 80) == "…C-10001"
    assert id_cell(row("INC-10001"), 100) == "INC-10001 "


def test_short_ids_and_the_remote_column_are_as_before() -> None:
    assert id_cell(row("1042"), 80) == "1042    "
    # The remote name keeps its start: names are chosen by people, and start differently.
    text = paint_row(
        row("1042", remote="production-status"), columns_for(80),
        resolve_styles(Style(), lambda _name: Style()), now=NOW, cursor=False, selected=False,
    ).text
    assert "product… " in text


def test_fit_end_counts_cells() -> None:
    assert fit_end("abc", 5) == "abc  "
    assert fit_end("abcdef", 4) == "…def"
    assert fit_end("abcdef", 1) == "…"
    assert fit_end("abcdef", 0) == ""
    # A double-width character that does not fit whole is left out; the width still holds.
    assert fit_end("a漢字", 4) == "…字 "
    assert cell_len(fit_end("漢字漢字漢字", 7)) == 7
