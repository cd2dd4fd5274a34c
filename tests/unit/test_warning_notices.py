"""The TUI's warning notices without Textual: each distinct warning of the package is shown
once, in the event loop's thread whichever thread logged it, cleaned of control characters;
past a limit, one notice says more came; one logged after the loop ended is dropped
without an error."""

from __future__ import annotations

import asyncio
import logging
import threading

from incident_tui.ui.warning_notices import MORE, MOST_SHOWN, WarningNotices

log = logging.getLogger("incident_tui.sync.somewhere")


def test_each_warning_shows_once_in_the_loops_thread() -> None:
    shown: list[tuple[str, int]] = []

    def show(text: str) -> None:
        shown.append((text, threading.get_ident()))

    async def run() -> None:
        notices = WarningNotices(show)
        notices.install()
        try:
            log.warning("cannot save the drafts to %s: %s", "d.json", "read-only")
            log.warning("cannot save the drafts to %s: %s", "d.json", "read-only")
            log.info("not a warning")
            worker = threading.Thread(target=log.warning, args=("from \x1b[2Ja thread\nhere",))
            worker.start()
            worker.join()
            await asyncio.sleep(0.05)  # the loop runs what the thread handed it
        finally:
            notices.remove()
        log.warning("after the App")

    asyncio.run(run())
    loop_thread = threading.get_ident()  # asyncio.run runs the loop in this thread
    assert shown == [
        ("cannot save the drafts to d.json: read-only", loop_thread),
        ("from a thread here", loop_thread),
    ]


def test_past_the_limit_one_notice_says_more_came() -> None:
    # A remote with a thousand unreadable times must not stack a thousand notices.
    shown: list[str] = []

    async def run() -> None:
        notices = WarningNotices(shown.append)
        notices.install()
        try:
            for number in range(MOST_SHOWN + 30):
                log.warning("unreadable time %r, left out", f"day {number}")
        finally:
            notices.remove()

    asyncio.run(run())
    assert len(shown) == MOST_SHOWN + 1
    assert shown[-2] == f"unreadable time 'day {MOST_SHOWN - 1}', left out"
    assert shown[-1] == MORE


def test_a_warning_after_the_loop_ended_is_dropped_quietly() -> None:
    shown: list[str] = []

    async def make() -> WarningNotices:
        return WarningNotices(shown.append)

    notices = asyncio.run(make())  # the loop is closed once run() returns
    record = logging.LogRecord("incident_tui", logging.WARNING, __file__, 1, "late", None, None)
    errors: list[BaseException] = []

    def emit() -> None:
        try:
            notices.emit(record)
        except BaseException as error:  # noqa: BLE001 - the test reports it below
            errors.append(error)

    worker = threading.Thread(target=emit)
    worker.start()
    worker.join()
    assert errors == [] and shown == []
