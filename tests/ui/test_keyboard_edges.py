"""Rough edges a keyboard-only audit found at 80x24 (and below), through the real App:

- while searching, the list's lines keep lining up with the column titles;
- on a short terminal the form dialogs scroll the focused field into view and keep their
  key hint;
- enter in the filter dialog applies what space ticked;
- up / down / page keys move the list's cursor from the search box;
- the detail's footer shows the way back;
- a second PDF export or download of the same thing, while the first still runs, is refused
  with a word instead of saving it twice;
- a help key moved by the settings closes the help too, and the remotes screen takes the
  sync and remotes keys as the settings put them; a user key that takes another
  command's key on the same screen is reported at start-up;
- an empty cache says it has nothing yet (never synced, or syncing) rather than "No
  incidents match.", which is kept for a filter or search.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widget import Widget
from textual.widgets import Input, Select

from incident_tui.domain.model import Status
from incident_tui.domain.query import ListQuery
from incident_tui.emulators import EmulatorServer
from incident_tui.ui.screens.comment import CommentScreen
from incident_tui.ui.screens.filter import FilterScreen
from incident_tui.ui.screens.help import HelpScreen
from incident_tui.ui.screens.list_screen import ListScreen
from incident_tui.ui.screens.new_incident import NewIncidentScreen
from incident_tui.ui.screens.remotes import RemotesScreen
from incident_tui.ui.widgets.list_header import ListHeader
from tests.ui.helpers import (
    cursor_to,
    incidents,
    live_app,
    notifications,
    open_detail,
    screen_text,
    settle,
    synced,
    until,
)

Serve = Callable[..., EmulatorServer]


def in_view(app: Any, widget: Widget) -> bool:
    """Whether ``widget`` is drawn whole inside the dialog on top (and so on the screen)."""
    dialog = app.screen.query_one(".dialog")
    region = widget.region
    return bool(region.height) and dialog.region.contains_region(region)


# Search: lines under the column titles --------------------------------------------------------


async def test_search_results_line_up_with_the_column_titles(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"number")
        await settle(pilot)
        assert incidents(app).list_query.search == "number"
        header = app.screen.query_one(ListHeader)
        assert incidents(app).size.width == header.size.width == 80
        lines = screen_text(app).splitlines()
        titles = next(line for line in lines if "REMOTE" in line and "AGE" in line)
        row = next(line for line in lines if "Incident number 2 on oncall" in line)
        assert row.rindex("oncall") == titles.index("REMOTE"), (titles, row)
        assert len(row.rstrip()) == len(titles.rstrip()), (titles, row)


# Dialogs on a short terminal --------------------------------------------------------------


async def test_new_incident_dialog_scrolls_to_the_focused_field_and_keeps_its_hint(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 14)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewIncidentScreen)
        assert "ctrl+s save" in screen_text(app)
        severity = app.screen.query_one("#form-severity", Select)
        for _ in range(5):
            if app.focused is severity:
                break
            await pilot.press("tab")
            await settle(pilot)
        assert app.focused is severity
        assert in_view(app, severity), (severity.region, screen_text(app))
        assert "ctrl+s save" in screen_text(app)
        await pilot.press("tab")  # round to the first field: scrolled back into view
        await settle(pilot)
        assert app.focused is app.screen.query_one("#form-remote")
        assert in_view(app, app.screen.query_one("#form-remote"))


async def test_comment_dialog_keeps_its_hint_on_a_short_terminal(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 14)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "status:r003")  # OneUptime: the public-note box too
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CommentScreen)
        assert "ctrl+s send" in screen_text(app)
        await pilot.press("tab")
        await settle(pilot)
        public = app.screen.query_one("#comment-public")
        assert app.focused is public
        assert in_view(app, public), screen_text(app)
        assert "ctrl+s send" in screen_text(app)


# The filter dialog ----------------------------------------------------------------------------


async def test_enter_applies_the_filter_that_space_ticked(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterScreen)
        assert "enter apply" in screen_text(app)
        await pilot.press("space", "enter")  # the status column starts on "triggered"
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert incidents(app).list_query.statuses == {Status.TRIGGERED}
        assert "status triggered" in screen_text(app)


# Moving through search results ------------------------------------------------------------


async def test_arrow_and_page_keys_move_the_list_from_the_search_box(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"number")
        await settle(pilot)
        box = app.screen.query_one("#search", Input)
        assert box.has_focus and incidents(app).cursor == 0
        await pilot.press("down", "down")
        await settle(pilot)
        assert incidents(app).cursor == 2
        await pilot.press("up")
        await settle(pilot)
        assert incidents(app).cursor == 1
        await pilot.press("pagedown")
        await settle(pilot)
        assert incidents(app).cursor > 1 + 10
        await pilot.press("pageup")
        await settle(pilot)
        assert incidents(app).cursor == 1
        assert box.has_focus  # still typing into the search
        await pilot.press(*" 1")
        await settle(pilot)
        assert box.value == "number 1"


# The detail's way back ----------------------------------------------------------------------


async def test_detail_footer_shows_the_way_back_and_keeps_help_and_quit(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        # Kitehouse has the most keys in the footer (download, PDF).
        await open_detail(pilot, "school:r001")
        footer = screen_text(app).splitlines()[-1]
        for shown in ("esc Back", "a Ack", "p PDF", "? Help", "q Quit"):
            assert shown in footer, footer
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)


# A second export or download while the first is running ------------------------------------


def with_one_attachment(app: Any) -> str:
    """A cached incident with exactly one attachment, not itself a PDF (``D`` asks nothing)."""
    reader = app.services.reader
    for row in reader.all_rows(ListQuery()):
        detail = reader.detail(row.id)
        if detail is not None and len(detail.attachments) == 1:
            if not str(detail.attachments[0]["name"]).endswith(".pdf"):
                return row.id
    raise AssertionError("no incident with one attachment")


async def test_a_second_pdf_export_or_download_while_one_runs_is_refused(
    serve: Serve, tmp_path: Path
) -> None:
    kite = serve("kitehouse", sample=4)
    emulator: Any = kite.emulator
    app = live_app(kite, "school", tmp_path)
    downloads = tmp_path / "downloads"

    def saved(suffix: str = "") -> list[Path]:
        if not downloads.exists():
            return []
        return [p for p in downloads.iterdir()
                if p.name.endswith(suffix) and not p.name.startswith(".incident-tui")]

    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await until(lambda: synced(app))
        await open_detail(pilot, with_one_attachment(app))

        # A slow link: the answer takes longer than the "Exporting PDF…" notice shows.
        emulator.faults.add("delay", delay=1.5, path="/export$")
        emulator.log.clear()
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert "Already saving the PDF report…" in notifications(app)
        await until(lambda: bool(saved(".pdf")))
        await settle(pilot)
        assert len(saved(".pdf")) == 1
        assert len([r for r in emulator.log if r.path.endswith("/export")]) == 1

        emulator.faults.add("delay", delay=1.5, path="^/_blob/")
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause()
        assert any(n.startswith("Already downloading ") for n in notifications(app))
        await until(lambda: len(saved()) == 2)
        await settle(pilot)
        assert len(saved()) == 2  # the PDF and one copy of the attachment
        assert len([r for r in emulator.log if r.path.startswith("/_blob/")]) == 1

        await pilot.press("p")  # once done, it can be saved again
        await until(lambda: len(saved(".pdf")) == 2)
        await settle(pilot)


# Key settings ------------------------------------------------------------------------------


async def test_a_rebound_help_key_closes_the_help_too(make_app: Any) -> None:
    app = make_app(keys={"help": "f1"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        await pilot.press("f1", "escape")  # escape still closes it
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert not [n for n in notifications(app) if "clash" in n]


async def test_the_remotes_screen_takes_the_sync_and_remotes_keys_as_rebound(
    make_app: Any,
) -> None:
    """Swapped in the settings, S syncs and s shows the remotes: on the remotes screen too,
    whose hint names the sync key in force. It ran its own s and S, whatever the settings."""
    app = make_app(keys={"remotes": "s", "sync": "S"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, RemotesScreen)
        assert "escape close · S sync now" in screen_text(app)
        await pilot.press("S")
        await settle(pilot)
        assert isinstance(app.screen, RemotesScreen)  # not closed: a sync was asked for
        assert notifications(app)[-1] == "Sync is off in this session."
        await pilot.press("s")  # the key that opened it closes it
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert not [n for n in notifications(app) if "clash" in n]


async def test_the_remotes_screen_keeps_its_default_keys(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        for close in ("S", "escape", "q"):
            await pilot.press("S")
            await settle(pilot)
            assert isinstance(app.screen, RemotesScreen)
            assert "escape close · s sync now" in screen_text(app)
            await pilot.press("s")
            await settle(pilot)
            assert notifications(app)[-1] == "Sync is off in this session."
            await pilot.press(close)
            await settle(pilot)
            assert isinstance(app.screen, ListScreen)


async def test_the_default_help_key_still_opens_and_closes_it(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)


async def test_a_key_taken_from_another_command_is_reported_at_start(make_app: Any) -> None:
    app = make_app(keys={"select": "x"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert "Key settings clash: export, select" in notifications(app)
        await pilot.press("x")  # Textual's own report of the same clash is not repeated
        await settle(pilot)
        assert len([n for n in notifications(app) if "clash" in n]) == 1


async def test_a_key_listed_twice_for_one_command_is_no_clash(make_app: Any) -> None:
    """``q,q`` (or ``?,question_mark``, one key once Textual names it) binds quit once."""
    app = make_app(keys={"quit": "q,q", "help": "?,question_mark"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert not [n for n in notifications(app) if "clash" in n]
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "q")
        await until(lambda: app.return_code is not None, limit=5.0)
        assert app.return_code == 0


async def test_a_key_written_as_its_character_clashes_as_its_name(make_app: Any) -> None:
    """``/`` is the key Textual calls slash, search's default: help loses it on the list."""
    app = make_app(keys={"help": "/"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert "Key settings clash: help, search" in notifications(app)


async def test_default_and_swapped_keys_report_no_clash(make_app: Any) -> None:
    for keymap in ({}, {"acknowledge": "r", "resolve": "a"}, {"discard": "z"}):
        app = make_app(keys=keymap)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            assert not [n for n in notifications(app) if "clash" in n], keymap


# An empty cache -----------------------------------------------------------------------------


def first_line(app: Any) -> str:
    """The list's first line as the terminal shows it (the one under the column titles)."""
    lines = screen_text(app).splitlines()
    titles = next(i for i, line in enumerate(lines) if "REMOTE" in line and "AGE" in line)
    return lines[titles + 1].strip()


async def test_an_empty_cache_never_synced_says_so_not_no_match(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve("revily", sample=0)
    app = live_app(server, "oncall", tmp_path, sync=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await until(lambda: "never synced" in screen_text(app))
        assert first_line(app) == "No incidents yet (never synced)"
        assert "No incidents match." not in screen_text(app)
        await pilot.press("slash", "x")  # a search that finds nothing is a different thing
        await settle(pilot)
        assert first_line(app) == "No incidents match."
        await pilot.press("escape")
        await settle(pilot)
        assert first_line(app) == "No incidents yet (never synced)"


async def test_an_empty_cache_whose_remotes_failed_to_sync_points_at_why(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve("revily", sample=0)
    emulator: Any = server.emulator
    emulator.faults.add("status", status=401, method="GET", times=-1)
    # A user who moved the remotes screen to another key is pointed at that key.
    app = live_app(server, "oncall", tmp_path, keys={"remotes": "ctrl+r"})
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: "failing" in screen_text(app).splitlines()[-2])
        await until(lambda: first_line(app).startswith("No incidents yet: no remote"))
        assert first_line(app) == "No incidents yet: no remote could be synced (^r shows why)"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "HTTP 401" in screen_text(app)


async def test_an_empty_cache_says_syncing_during_the_first_sync(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve("revily", sample=0)
    emulator: Any = server.emulator
    emulator.faults.add("delay", delay=1.5, method="GET", times=1)
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: "syncing" in screen_text(app).splitlines()[-2])
        await pilot.pause()
        assert first_line(app) == "No incidents yet: syncing…"
        await until(lambda: synced(app))
        await until(lambda: first_line(app) == "No incidents.")
