"""The UI's plain parts: formatting, row layout, the block cache, loading logic, list source,
themes, keys and the status line (no running app needed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.style import Style

from incident_tui.domain.durations import age
from incident_tui.domain.model import Incident, Status
from incident_tui.domain.query import ListQuery, Sort
from incident_tui.domain.sizes import size_text
from incident_tui.store.reader import ListRow, Reader
from incident_tui.ui.format import cell_text, value_text
from incident_tui.ui.keys import KEYS, effective_keys
from incident_tui.ui.list_source import ListSource
from incident_tui.ui.screens.help import help_content
from incident_tui.ui.themes import (
    THEME_VARIABLE_DEFAULTS,
    ThemeFileError,
    load_themes,
    theme_from_mapping,
)
from incident_tui.ui.widgets.list_loading import read_reload
from incident_tui.ui.widgets.row_format import (
    columns_for,
    fit,
    header_cells,
    paint_row,
    resolve_styles,
)
from incident_tui.ui.widgets.rows import BLOCK_SIZE, BlockCache, row_view
from incident_tui.ui.widgets.status_line import RemoteLine, status_content

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=5), "now"),
        (timedelta(minutes=42), "42m"),
        (timedelta(hours=47), "47h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=800), "2y"),
        (timedelta(days=365 * 999), "999y"),
        (NOW - datetime(1, 1, 1, tzinfo=UTC), "?"),
        (timedelta(minutes=-5), "now"),
    ],
)
def test_age(delta: timedelta, text: str) -> None:
    assert age(NOW - delta, NOW) == text
    assert len(text) <= 4


def test_value_and_size_text() -> None:
    assert size_text(2048) == "2.0 KB" and size_text(12) == "12 B" and size_text(None) == "?"
    assert value_text({"b": 1, "a": [1, "x"]}) == '{"a": [1, "x"], "b": 1}'
    assert value_text("a\x1b[2Jb\nc") == "ab c"
    assert len(cell_text("x" * 10_000)) == 400


def _row(**fields: Any) -> ListRow:
    values: dict[str, Any] = {
        "id": "school:1", "remote": "school", "kind": "kitehouse", "remote_id": "1",
        "ref": "1042", "title": "Title", "status": "triggered", "severity": "major",
        "created_at": "2026-11-22T11:00:00.000000Z", "updated_at": None, "pending": 0,
        "conflict": False, "failed": False, "local_only": False,
    }
    values.update(fields)
    return ListRow(**values)


def _styles() -> Any:
    return resolve_styles(Style(), lambda name: Style(bold=name == "critical"))


@pytest.mark.parametrize("width", [12, 30, 31, 35, 36, 40, 44, 45, 80, 99, 100, 160])
def test_lines_are_exactly_as_wide_as_the_list(width: int) -> None:
    columns = columns_for(width)
    for title in ("short", "漢字" * 50, "[@click=app.quit]x[/]", "x" * 10_000):
        strip = paint_row(row_view(_row(title=title)), columns, _styles(), now=NOW,
                          cursor=False, selected=True)
        # Counted from the text: the strip's own length is what it was told.
        assert sum(cell_len(s.text) for s in strip) == strip.cell_length == width
        assert all(not (s.style and s.style.meta) for s in strip)  # nothing clickable


@pytest.mark.parametrize(
    ("width", "remote", "age"),
    [(80, True, True), (45, True, True), (44, False, True), (36, False, True),
     (35, False, False), (31, False, False)],
)
def test_a_narrow_list_leaves_out_the_remote_then_the_age(
    width: int, remote: bool, age: bool
) -> None:
    # Below 45 cells the age ran into the remote column ("aoh_imsh") and past the edge.
    columns = columns_for(width)
    strip = paint_row(row_view(_row(title="short")), columns, _styles(), now=NOW,
                      cursor=False, selected=False)
    words = "".join(s.text for s in strip).split()
    assert words[-1] == ("1h" if age else "school" if remote else "short"), words
    assert ("school" in words) is remote and columns.title >= 8
    header = "".join(text for text, _ in header_cells(columns)).split()
    assert header[-2:] == (["REMOTE", "AGE"] if remote else ["TITLE", "AGE"] if age else
                           ["STAT", "TITLE"])


def test_fit_counts_cells_not_characters() -> None:
    assert cell_len(fit("漢字漢字漢字", 7)) == 7
    assert fit("abc", 5) == "abc  " and fit("abcdef", 4) == "abc…"


def test_row_view_cleans_remote_text() -> None:
    view = row_view(_row(title="a\x1b]52;c;aGk=\x07b \u202ec", ref=None, remote_id="r\x1b[2J1"))
    assert view.title == "ab c" and view.label == "r1"
    assert row_view(_row(local_only=True)).label == "new"


def test_block_cache() -> None:
    cache: BlockCache[int] = BlockCache(block_size=10, max_blocks=2)
    cache.put(0, list(range(10)))
    cache.put(1, list(range(10, 15)))
    assert cache.get(3) == 3 and cache.get(12) == 12 and cache.get(17) is None
    cache.touch(0)
    cache.put(5, list(range(50, 60)))  # evicts block 1, the least recently used
    assert cache.has(0) and not cache.has(1) and cache.get(55) == 55
    assert list(cache.blocks_between(-5, 25)) == [0, 1, 2]


def build_numbered_cache(path: Path, count: int) -> Path:
    """A cache of ``count`` incidents of remote ``r`` whose newest-first order is their
    number: ``r:0`` is the newest, ``r:{count - 1}`` the oldest."""
    from incident_tui.store.engine import make_engine, session
    from incident_tui.store.upsert import upsert_incidents

    incidents = [
        Incident(
            remote="r", kind="kitehouse", remote_id=str(n), ref=str(1000 + n),
            title=f"Incident {n}", status=Status.TRIGGERED, status_raw="open",
            created_at=NOW - timedelta(minutes=n), updated_at=NOW - timedelta(minutes=n),
        )
        for n in range(count)
    ]
    engine = make_engine(path)
    with session(engine) as s, s.begin():
        upsert_incidents(s, incidents, NOW)
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def numbered_caches(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Caches of 1,000, 30 and 10 numbered incidents, built once (the tests only read)."""
    folder = tmp_path_factory.mktemp("numbered")
    return {n: build_numbered_cache(folder / f"{n}.db", n) for n in (1000, 30, 10)}


class RecordingSource:
    """The list's real :class:`ListSource` over a cache, noting every read it is asked for."""

    def __init__(self, reader: Reader) -> None:
        self.source = ListSource(reader, lambda: reader)
        self.calls: list[str] = []

    def count(self, query: ListQuery) -> int:
        self.calls.append("count")
        return self.source.count(query)

    def page(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]:
        self.calls.append(f"page {offset}")
        return self.source.page(query, offset, limit)

    def position(self, query: ListQuery, incident_id: str) -> int | None:
        self.calls.append("position")
        return self.source.position(query, incident_id)

    def first_position(self, query: ListQuery, ids: list[str]) -> int | None:
        self.calls.append("first_position")
        return self.source.first_position(query, ids)

    def page_within(
        self, query: ListQuery, offset: int, limit: int, seconds: float
    ) -> list[ListRow] | None:
        self.calls.append(f"page_within {offset}")
        return self.source.page_within(query, offset, limit, seconds)


@pytest.fixture
def recording(numbered_caches: dict[int, Path]) -> Iterator[Callable[[int], RecordingSource]]:
    """``recording(n)``: a recording source over the cache of ``n`` incidents."""
    readers: list[Reader] = []

    def open_source(count: int) -> RecordingSource:
        readers.append(Reader.open(numbered_caches[count]))
        return RecordingSource(readers[-1])

    yield open_source
    for reader in readers:
        reader.close()


def test_reload_reads_rows_before_counting(
    recording: Callable[[int], RecordingSource],
) -> None:
    source = recording(1000)
    result = read_reload(source, ListQuery(), keep=None, fallback=0, offset=0, height=30,
                         current=lambda: True)
    assert result is not None and source.calls == ["page 0"]
    assert result.total == BLOCK_SIZE and not result.exact  # provisional until counted
    assert [row.id for row in result.blocks[0][:3]] == ["r:0", "r:1", "r:2"]


def test_reload_keeps_the_cursor_on_its_incident(
    recording: Callable[[int], RecordingSource],
) -> None:
    source = recording(1000)
    result = read_reload(source, ListQuery(), keep="r:450", fallback=3, offset=5, height=20,
                         current=lambda: True)
    assert result is not None and result.cursor == 450 and result.top == 445
    assert set(result.blocks) == {4}
    assert result.blocks[4][450 - 4 * BLOCK_SIZE].id == "r:450"
    assert "count" not in source.calls  # the incident was found: no count needed first


def test_reload_clamps_when_the_incident_is_gone(
    recording: Callable[[int], RecordingSource],
) -> None:
    source = recording(30)
    result = read_reload(source, ListQuery(), keep="r:gone", fallback=80, offset=2, height=20,
                         current=lambda: True)
    assert result is not None and result.cursor == 29 and result.exact and result.total == 30
    assert source.calls[:2] == ["position", "count"]  # counted before it could clamp
    assert result.blocks[0][29].id == "r:29"


def test_reload_gives_up_when_superseded(recording: Callable[[int], RecordingSource]) -> None:
    source = recording(10)
    assert read_reload(source, ListQuery(), keep=None, fallback=0, offset=0,
                       height=5, current=lambda: False) is None
    assert not [call for call in source.calls if call.startswith("page")]  # no rows read


@pytest.mark.parametrize(
    "query",
    [
        ListQuery(search="incident"),
        ListQuery(search="number 1", sort=Sort.OLDEST),
        ListQuery(search="inc", statuses=frozenset({Status.TRIGGERED})),
        ListQuery(search="zzzz"),
        ListQuery(),
    ],
)
def test_list_source_pages_match_the_reader(db_path: Path, query: ListQuery) -> None:
    reader = Reader.open(db_path)
    source = ListSource(reader, lambda: reader)
    try:
        for offset in (0, 5):
            assert source.page(query, offset, 7) == reader.page(query, offset, 7)
        assert source.count(query) == reader.count(query)
    finally:
        reader.close()


def test_time_boxed_search_page_gives_up_without_losing_the_fast_plan(db_path: Path) -> None:
    reader = Reader.open(db_path)
    source = ListSource(reader, lambda: reader)
    query = ListQuery(search="incident")
    try:
        assert source.page_within(query, 0, 7, 1.0) == reader.page(query, 0, 7)
        # A budget no statement can meet: nothing read, and the index walk stays in use.
        reader.progress_steps = 1  # the tiny test cache answers in fewer than 1,000 steps
        assert source.page_within(query, 0, 7, -1.0) is None
        assert source._walk_index
        assert source.page(query, 0, 7) == reader.page(query, 0, 7)
    finally:
        reader.close()


def test_shipped_themes_load_with_every_variable() -> None:
    loaded = load_themes()
    assert loaded.problems == []
    themes = {theme.name: theme for theme in loaded.themes}
    assert {"incident-dark", "incident-light", "incident-contrast"} <= set(themes)
    assert not themes["incident-light"].dark
    for theme in themes.values():
        missing = set(THEME_VARIABLE_DEFAULTS) - set(theme.variables)
        styles = {"list-cursor-text-style", "list-selected-text-style"}
        assert missing <= styles, (theme.name, missing)


def test_theme_file_errors_are_loud() -> None:
    with pytest.raises(ThemeFileError):
        theme_from_mapping({"name": "x", "primary": "#fff", "primry": "#000"})
    with pytest.raises(ThemeFileError):
        theme_from_mapping({"primary": "#fff"})


def test_keys_have_unique_ids_and_overrides() -> None:
    assert len({key.id for key in KEYS}) == len(KEYS)
    keys = effective_keys({"acknowledge": "ctrl+a"})
    assert keys["acknowledge"] == "ctrl+a" and keys["resolve"] == "r"
    assert "ctrl+a" in help_content({"acknowledge": "ctrl+a"}).plain


def test_status_line_text() -> None:
    content = status_content(
        [
            RemoteLine("a", "ok", "2026-11-22T11:56:00.000000Z"),
            RemoteLine("b", "failing", None, "HTTP 500 [/] \x1b[2J\x07bad"),
            RemoteLine("c", "never"),
            RemoteLine("d", "offline"),
            RemoteLine("e", "syncing"),
        ],
        3,
    )
    text = content.plain
    assert text.startswith("3 queued")
    assert "b failing: HTTP 500 [/] bad" in text and "\x1b" not in text
    assert text.index("failing") < text.index("offline") < text.index("syncing")
    assert text.index("syncing") < text.index("ok at") < text.index("never synced")
    progress = status_content([RemoteLine("e", "syncing", progress="12,000 listed")], 0)
    assert progress.plain == "0 queued  │  e syncing… 12,000 listed"


def test_status_line_groups_remotes_synced_in_the_same_minute() -> None:
    at = "2026-11-22T11:56:{:02d}.000000Z"
    remotes = [RemoteLine(name, "ok", at.format(n)) for n, name in enumerate(
        ("school", "plant", "oncall", "status", "ops"))]
    five = status_content(remotes, 0).plain
    assert five == "0 queued  │  school, plant, oncall, status, ops ok at 11:56"
    assert len(five) <= 78  # inside the status line's padding at 80 columns
    remotes += [RemoteLine("late", "ok", "2026-11-22T11:58:00.000000Z")]
    assert status_content(remotes, 0).plain == f"{five}  │  late ok at 11:58"


def test_bar_lines_keep_names_whole_and_bars_in_proportion() -> None:
    from incident_tui.ui.widgets.bar_list import bar_lines, bar_text

    bars = [("critical", 20, "severity-critical"), ("major", 59, "severity-major"),
            ("minor", 119, "severity-minor"), ("none", 162, "severity-none")]
    lines = bar_lines(bars, 38, 5)
    assert [label for label, *_ in lines] == ["critical", "major   ", "minor   ", "none    "]
    assert [count for _, _, count, _ in lines] == ["20", "59", "119", "162"]
    assert all(cell_len(f"{label} {bar} {count}") <= 38 for label, bar, count, _ in lines)
    assert bar_text(162, 162, 25) == "█" * 25 and bar_text(0, 162, 25) == ""
    assert bar_text(1, 10_000, 25) == "▏"  # a count above zero never vanishes
    assert bar_text(81, 162, 25) == "█" * 12 + "▌"


def test_bar_lines_sum_what_does_not_fit_and_cut_long_names() -> None:
    from incident_tui.ui.widgets.bar_list import bar_lines

    bars = [(f"remote-with-a-long-name-{n}", n, "primary") for n in range(1, 8)]
    lines = bar_lines(bars, 40, 4)
    assert len(lines) == 4
    assert lines[-1][0].strip() == "4 more" and lines[-1][2] == str(4 + 5 + 6 + 7)
    assert lines[0][0] == "remote-with-…" and len(lines[0][0]) == 40 // 3


async def test_a_tick_box_is_empty_until_ticked() -> None:
    from textual.app import App, ComposeResult

    from incident_tui.ui.widgets.ticks import TickBox

    class Boxes(App[None]):
        def compose(self) -> ComposeResult:
            yield TickBox("public", id="off")
            yield TickBox("public", value=True, id="on")

    app = Boxes()
    async with app.run_test(size=(40, 4)) as pilot:
        off, on = app.query_one("#off", TickBox), app.query_one("#on", TickBox)
        assert off.render().plain.startswith("▐ ▌") and on.render().plain.startswith("▐X▌")
        off.toggle()
        on.toggle()
        await pilot.pause()
        assert off.render().plain.startswith("▐X▌") and on.render().plain.startswith("▐ ▌")


def test_a_place_kind_reads_with_its_article() -> None:
    # "Type a office id above." in the 4HSE new-incident dialog.
    from incident_tui.ui.screens.new_incident import PLACE_KINDS

    assert [PLACE_KINDS[kind].one for kind in ("fourhse", "revily")] == ["an office", "a service"]
