"""The package's warnings as notices in the TUI.

The command line prints them on stderr; the TUI draws there, and Textual swallows what else
is written to it, so without this a status word no mapping knows, an unreadable drafts file
or a remote that repeated a page went unsaid while the TUI ran."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from incident_tui.domain.text import clean

LOGGER = "incident_tui"
NOTICE_SECONDS = 12.0
"""How long a warning stays up: longer than Textual's default, it is read, not glanced at."""
MOST_SHOWN = 10
"""Distinct warnings shown per session; a remote with a thousand unreadable times would
otherwise stack a thousand notices over the list."""
MORE = "More warnings came and are not shown; `incident-tui sync --once` prints them all."


class WarningNotices(logging.Handler):
    """Shows each distinct warning of the package once, from any thread, through ``show``
    (the App's ``notify``), run in the event loop's thread."""

    def __init__(self, show: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self._show = show
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._shown: set[str] = set()
        self._shown_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        """Hand a new warning to the event loop; a repeated one (a drafts file that cannot
        be saved fails again at every save) is dropped."""
        try:
            # A warning may quote a remote's text: no control character reaches the screen.
            text = clean(record.getMessage(), single_line=True)
        except Exception:  # noqa: BLE001 - a bad log call must not end the caller's work
            self.handleError(record)
            return
        with self._shown_lock:
            if text in self._shown or len(self._shown) > MOST_SHOWN:
                return
            if len(self._shown) == MOST_SHOWN:
                text = MORE  # said once: the set grows past the limit with it
            self._shown.add(text)
        if threading.get_ident() == self._thread:
            self._show(text)
            return
        try:
            self._loop.call_soon_threadsafe(self._show, text)
        except RuntimeError:
            pass  # the App has ended and its loop with it: nothing left to show it on

    def install(self) -> None:
        """Take the package's warnings from now on."""
        logging.getLogger(LOGGER).addHandler(self)

    def remove(self) -> None:
        """Give them back (the App is ending)."""
        logging.getLogger(LOGGER).removeHandler(self)
