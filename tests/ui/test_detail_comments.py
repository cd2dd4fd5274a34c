"""A long thread on the detail screen: the newest comments, a line saying how many earlier ones
are not shown and which key shows them, a page more on each press without moving what the
reader sees; a short thread as before; and which comments show as the thread changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.content import Content
from textual.pilot import Pilot
from textual.visual import Visual
from textual.widgets import OptionList

from incident_tui.domain.model import Comment
from incident_tui.store.engine import make_engine, session
from incident_tui.store.upsert import upsert_incidents
from incident_tui.ui.palette import incident_commands
from incident_tui.ui.screens.choose import ChooseScreen
from incident_tui.ui.screens.detail import ALL_SHOWN, DetailScreen
from incident_tui.ui.screens.detail_comments import COMMENT_PAGE, CommentWindow, earlier_line
from incident_tui.ui.sync_runner import AppListener
from incident_tui.ui.widgets import hanging_text
from incident_tui.ui.widgets.comment_pages import CommentPages
from tests.ui.conftest import NOW, _incident
from tests.ui.helpers import (
    notifications,
    open_detail,
    press_apart,
    screen_text,
    settle,
)
from tests.ui.test_terminal_quiet import Terminal, drawn

LONG = "school:r070"
COUNT = 250


def note(n: int) -> str:
    """Comment ``n``'s text: its number, and every third one long enough to wrap."""
    return f"Note {n:03d} " + "checked the replicas and the pool again " * (4 * (n % 3 == 0))


def add_long_thread(
    db_path: Path, count: int = COUNT, numbers: range | None = None, reread: bool = False
) -> None:
    """The newest incident of the cache gets ``count`` comments, a minute apart (only those
    of ``numbers``, if given; ``reread``: replacing those it has, as a sync's full read)."""
    comments = [
        Comment(f"lc{n}", note(n), NOW - timedelta(minutes=count - n), f"Responder {n % 4}")
        for n in (range(count) if numbers is None else numbers)
    ]
    incident = _incident(70, "school", created_at=NOW, title="Long thread", comments=comments)
    engine = make_engine(db_path)
    with session(engine) as s, s.begin():
        upsert_incidents(s, [incident], NOW, reread=reread)
    engine.dispose()


def comments_text(app: Any) -> str:
    return comments_section(app).content.plain


def comments_section(app: Any) -> CommentPages:
    return app.screen.query_one("#detail-comments", CommentPages)


def body_rows(app: Any) -> list[str]:
    """The rows of the scrolling sections as shown, without the scroll bar (whose thumb
    shrinks as the sections grow)."""
    body = app.screen.query_one("#detail-body")
    region = body.region
    rows = screen_text(app).split("\n")[region.y : region.bottom]
    return [row[region.x : region.x + body.scrollable_content_region.width] for row in rows]


async def test_long_thread_shows_the_newest_and_earlier_ones_on_the_key(
    make_app: Any, db_path: Path
) -> None:
    add_long_thread(db_path)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_detail(pilot, LONG)
        section = screen.query_one("#detail-comments")
        assert section.border_title == "Comments (250)"  # every comment counted
        text = comments_text(app)
        assert text.startswith("150 earlier comments not shown  ·  o shows 100 more\n")
        assert "Note 150" in text and "Note 249" in text and "Note 149" not in text
        assert "150 earlier comments not shown" in screen_text(app)  # in view on opening
        assert "Earlier comments" in [c.title for c in incident_commands(app, screen)]

        await pilot.press("o")
        await settle(pilot)
        text = comments_text(app)
        assert text.startswith("50 earlier comments not shown  ·  o shows them\n")
        assert "Note 050" in text and "Note 249" in text and "Note 049" not in text

        await pilot.press("o")
        await settle(pilot)
        text = comments_text(app)
        assert "earlier comment" not in text and text.startswith("2026-11-22 07:50  Responder 0")
        assert "Note 000" in text and section.border_title == "Comments (250)"
        assert screen.check_action("earlier_comments", ()) is None
        await press_apart(pilot, "o")
        assert notifications(app)[-1] == ALL_SHOWN


async def test_earlier_comments_come_in_above_without_moving_the_reader(
    make_app: Any, db_path: Path
) -> None:
    add_long_thread(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, LONG)
        # Reading the newest comments, the line about the earlier ones scrolled off.
        await pilot.press("end")
        await settle(pilot)
        before = body_rows(app)
        assert "Note 249" in "\n".join(before) and "earlier" not in "\n".join(before)
        for hidden in (50, 0):
            await pilot.press("o")
            await settle(pilot)
            assert body_rows(app) == before
            assert comments_text(app).startswith(
                f"{hidden} earlier" if hidden else "2026-11-22 07:50"
            )


async def test_keys_typed_ahead_keep_the_place_too(make_app: Any, db_path: Path) -> None:
    add_long_thread(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, LONG)
        await pilot.press("end")
        await settle(pilot)
        before = body_rows(app)
        await pilot.press("o", "o")  # in one burst: the second before the first is drawn
        await drawn(pilot)
        assert body_rows(app) == before and "Note 000" in comments_text(app)
        assert not app._holds


async def test_the_terminal_gets_the_kept_place_only(make_app: Any, db_path: Path) -> None:
    # Not the comments laid out where the reader was, then the scroll back to the place.
    add_long_thread(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, LONG)
        await pilot.press("end")
        await drawn(pilot)
        before = body_rows(app)
        terminal = Terminal(app)
        await pilot.press("o")
        await drawn(pilot)
        assert terminal.frames == 1 and body_rows(app) == before
        # Leaving before the place is kept lets the terminal have the list.
        await pilot.press("o", "escape")
        await drawn(pilot)
        assert not app._holds and "Long thread" in screen_text(app)


async def test_earlier_comments_under_the_line_in_view_follow_it(
    make_app: Any, db_path: Path
) -> None:
    # The reader sees the line: the comments come in under it, where they are read on.
    add_long_thread(db_path)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_detail(pilot, LONG)
        body = screen.query_one("#detail-body")
        top = body.scroll_y
        rows = body_rows(app)
        line_row = next(i for i, row in enumerate(rows) if "150 earlier comments" in row)
        await pilot.press("o")
        await settle(pilot)
        assert body.scroll_y == top
        rows = body_rows(app)
        assert "50 earlier comments not shown" in rows[line_row]
        assert "Note 050" in "\n".join(rows[line_row:])


async def test_each_press_lays_out_only_the_comments_it_adds(
    make_app: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Laying out every shown comment again took ~0.9 ms a comment: a press with 1,100 shown
    # kept the keys waiting 1.4 s. Counted here: the comments wrapped and drawn per press.
    add_long_thread(db_path, 700)
    laid_out: list[int] = []
    real_hang, real_strips = hanging_text.hang, Visual.to_strips

    def hang(content: Content, width: int) -> Content:
        laid_out.append(content.plain.count("Note "))
        return real_hang(content, width)

    def to_strips(widget: Any, visual: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(visual, Content):
            laid_out.append(visual.plain.count("Note "))
        return real_strips(widget, visual, *args, **kwargs)

    monkeypatch.setattr(hanging_text, "hang", hang)
    monkeypatch.setattr(Visual, "to_strips", staticmethod(to_strips))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, LONG)
        await pilot.press("end")
        for press in range(6):
            await drawn(pilot)
            before = body_rows(app)
            laid_out.clear()
            await pilot.press("o")
            await drawn(pilot)
            assert body_rows(app) == before  # the reader's place kept
            assert f"Note {500 - 100 * press:03d}" in comments_text(app)
            # The page that came in, wrapped and drawn: not the hundreds shown already.
            assert laid_out and max(laid_out) <= COMMENT_PAGE, (press, laid_out)
            assert sum(laid_out) <= 3 * COMMENT_PAGE, (press, laid_out)
        assert comments_text(app).startswith("2026-11-22 00:20  Responder 0")


async def test_the_last_page_gone_leaves_no_blank_line(make_app: Any, db_path: Path) -> None:
    # The newest page's comments deleted on the remote: the page above it kept the blank
    # line that had parted them, at the foot of the section, and the section's height no
    # longer matched what it lays out (which the next o waits for to keep the place).
    add_long_thread(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, LONG)
        await pilot.press("o")
        await settle(pilot)
        add_long_thread(db_path, numbers=range(150), reread=True)
        AppListener(app).incidents_changed([LONG], [])
        await settle(pilot)
        section = comments_section(app)
        assert app.screen.query_one("#detail-comments").border_title == "Comments (150)"
        assert comments_text(app).endswith("Note 149 ")
        assert section.size.height == section.lines_at(section.size.width)
        await pilot.press("end")
        await settle(pilot)
        rows = body_rows(app)
        foot = max(i for i, row in enumerate(rows) if "C delete" in row)
        assert "Note 149" in rows[foot - 1]


async def test_delete_picker_offers_the_comments_shown(make_app: Any, db_path: Path) -> None:
    add_long_thread(db_path)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, LONG)
        for shown, first in ((100, "Note 150"), (200, "Note 050")):
            await pilot.press("C")
            await settle(pilot)
            assert isinstance(app.screen, ChooseScreen)
            options = app.screen.query_one(OptionList)
            assert options.option_count == shown
            assert f"  {first}" in str(options.get_option_at_index(0).prompt)
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("o")
            await settle(pilot)


async def test_delete_picker_keeps_its_keys_in_view_on_a_short_terminal(
    make_app: Any, db_path: Path
) -> None:
    """At 60x20 the picker's 16 lines of comments ran past the dialog's edge, and its
    line of keys was cut off; the list now gives up lines (and scrolls) instead."""
    add_long_thread(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, LONG)
        await pilot.resize_terminal(60, 20)
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, ChooseScreen)
        assert "↑ ↓ move · enter choose · escape cancel" in screen_text(app)
        dialog = app.screen.query_one("#choose-dialog")
        assert dialog.region.contains_region(app.screen.query_one(OptionList).region)
        await pilot.press("end")
        await settle(pilot)
        assert "Note 249" in screen_text(app)  # the last line, scrolled to by keys
        await pilot.resize_terminal(100, 40)  # taller: the list takes its 16 lines again
        await settle(pilot)
        assert app.screen.query_one(OptionList).region.height == 16


async def test_short_thread_shows_every_comment_and_says_why_the_key_does_nothing(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_detail(pilot, "school:r001")
        text = comments_text(app)
        assert "earlier" not in text and text.startswith("2026-11-22 11:40  Ben Okafor")
        assert screen.check_action("earlier_comments", ()) is None
        await press_apart(pilot, "o")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and comments_text(app) == text
        assert notifications(app)[-1] == ALL_SHOWN


async def test_rebound_key_is_named_on_the_line(make_app: Any, db_path: Path) -> None:
    add_long_thread(db_path)
    app = make_app(keys={"earlier_comments": "b"})
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, LONG)
        assert comments_text(app).startswith("150 earlier comments not shown  ·  b shows")
        await pilot.press("b")
        await settle(pilot)
        assert comments_text(app).startswith("50 earlier comments not shown  ·  b shows them")


def thread(*numbers: int) -> list[dict[str, Any]]:
    """Comments as the cache reads them, in timeline order, numbered as ``seq``."""
    return [
        {"seq": n, "created_at": f"2026-11-22T{n // 60:02d}:{n % 60:02d}:00Z"}
        for n in sorted(numbers)
    ]


def test_window_keeps_its_first_comment_as_the_thread_changes() -> None:
    window = CommentWindow(page=10)
    assert window.start(thread(*range(25))) == 15  # the newest 10
    # New comments join the end; the first shown stays first.
    assert window.start(thread(*range(30))) == 15
    # One deleted before it hides none of those shown.
    assert window.start(thread(*range(3), *range(4, 30))) == 14
    # A page more each time, down to the first.
    assert window.show_earlier(thread(*range(30))) == 25
    assert window.start(thread(*range(30))) == 5
    assert window.show_earlier(thread(*range(30))) == 30
    assert window.start(thread(*range(30))) == 0


def test_window_pages_are_the_presses() -> None:
    window = CommentWindow(page=10)

    def pages(comments: list[dict[str, Any]]) -> list[list[int]]:
        start = window.start(comments)
        return [[c["seq"] for c in items] for _, items in window.pages(comments, start)]

    assert pages(thread(*range(25))) == [list(range(15, 25))]
    window.show_earlier(thread(*range(25)))
    assert pages(thread(*range(25))) == [list(range(5, 15)), list(range(15, 25))]
    # What comes in joins the page of its time; the pages shown before keep theirs.
    assert pages(thread(*range(27))) == [list(range(5, 15)), list(range(15, 27))]
    window.show_earlier(thread(*range(27)))
    assert pages(thread(*range(27))) == [
        list(range(5)), list(range(5, 15)), list(range(15, 27))
    ]
    # A burst: the newest only, as one page.
    assert pages(thread(*range(100))) == [list(range(73, 100))]


def test_window_cuts_a_burst_back_to_the_newest() -> None:
    window = CommentWindow(page=10)
    assert window.start(thread(1, 2)) == 0  # a short thread, all of it
    # The first full read brings the thread: more than a page at once.
    assert window.start(thread(*range(500))) == 490
    window.show_earlier(thread(*range(500)))
    assert window.start(thread(*range(500))) == 480
    assert window.start(thread(*range(525))) == 505  # past a page more: the newest 20


def test_window_shows_a_short_thread_whole_whatever_comes_in() -> None:
    window = CommentWindow(page=10)
    assert window.start(thread(5, 6, 7)) == 0
    # A comment dated before the first shown (a late arrival) still shows.
    assert window.start(thread(1, 5, 6, 7)) == 0


def test_earlier_line_words() -> None:
    assert earlier_line(4900, "o").plain == "4,900 earlier comments not shown  ·  o shows 100 more"
    assert earlier_line(40, "o").plain == "40 earlier comments not shown  ·  o shows them"
    assert earlier_line(1, "o").plain == "1 earlier comment not shown  ·  o shows it"
    assert earlier_line(7, "").plain == "7 earlier comments not shown"


def scroll_to_comments() -> Callable[[Pilot[Any]], Any]:
    """A run_before that opens the long thread and scrolls its comments to the top."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app = pilot.app
        app.push_screen(DetailScreen(app.ctx, LONG))
        await settle(pilot)
        body = app.screen.query_one("#detail-body")
        body.scroll_to_widget(app.screen.query_one("#detail-comments"), animate=False, top=True)
        await pilot.pause()

    return run


def test_snapshot_earlier_comments_line(snap_compare: Any, make_app: Any, db_path: Path) -> None:
    add_long_thread(db_path)
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=scroll_to_comments())
