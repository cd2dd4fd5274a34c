"""Files being saved from a remote (attachment downloads, PDF reports) while the user goes on:
the App's workers, not a screen's (a screen's are cancelled when it closes), each asked for
once at a time, its progress said every few seconds, and quitting while one runs asks
first: quitting drops it (its temporary file is removed, nothing is saved)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual.app import App
from textual.content import Content

from incident_tui.domain.sizes import DownloadProgress
from incident_tui.domain.text import clean

if TYPE_CHECKING:
    AppBase = App[None]
else:
    AppBase = object

TRANSFERS = "transfers"
"""The worker group of files being saved."""
NOTICE_EVERY = 4.0
"""Seconds between progress notices of a download; each lasts until the next."""


class Transfers(AppBase):
    """The App's part: starting a transfer, telling its progress, and asking before a quit
    would drop one."""

    _transfers: dict[str, DownloadProgress | None]
    """The running transfers by worker name, with their progress if they tell it (the App
    sets it up empty)."""

    def start_transfer(
        self,
        name: str,
        busy: str,
        job: Callable[[], Awaitable[None]],
        progress: DownloadProgress | None = None,
    ) -> None:
        """Run ``job`` as a worker called ``name``, or say ``busy`` while one of that name
        still runs: on a slow link the first notice is gone long before the file, and a
        second press would fetch and save the same thing again under another name.
        ``progress``: how far it has come, said every :data:`NOTICE_EVERY` seconds."""
        if name in self._transfers:
            self.notify(busy, timeout=3, markup=False)
            return
        self._transfers[name] = progress

        async def run() -> None:
            timer = None
            if progress is not None:
                timer = self.set_interval(NOTICE_EVERY, lambda: self._say_progress(progress))
            try:
                await job()
            finally:
                if timer is not None:
                    timer.stop()
                del self._transfers[name]

        self.run_worker(run(), name=name, group=TRANSFERS, exit_on_error=False)

    def _say_progress(self, progress: DownloadProgress) -> None:
        """A notice of how far a download has come, or that it waits for the remote while
        none of it has come (the first notice is gone long before, on a slow link)."""
        said = progress.text() if progress.done else progress.waiting_text()
        self.notify(f"Downloading {said}", timeout=NOTICE_EVERY, markup=False)

    def running_transfers(self) -> list[str]:
        """What is being saved now, in words: ``photo.jpg: 1.2 MB of 5.0 MB (24%)`` for a
        download that has said, else the worker's own description."""
        return [
            progress.text() if progress is not None and progress.name else clean(name)
            for name, progress in self._transfers.items()
        ]

    async def action_quit(self) -> None:
        """Quit, after asking when files are still being saved (quitting drops them)."""
        running = self.running_transfers()
        if not running:
            self.exit()
            return
        from incident_tui.ui.screens.confirm import ConfirmScreen

        listed = "\n".join(f"  {clean(item, single_line=True)}" for item in running[:5])
        more = f"\n  and {len(running) - 5} more" if len(running) > 5 else ""
        question = Content.assemble(
            ("Quit and drop what is still being saved?", "bold $error"),
            f"\n{listed}{more}\nNothing of it is kept.",
        )

        def answered(answer: bool | None) -> None:
            if answer:
                self.exit()

        self.push_screen(ConfirmScreen(question), answered)

