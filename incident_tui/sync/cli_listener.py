"""Headless sync for the command line: a progress line per remote and a summary."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from incident_tui.config import Settings
from incident_tui.domain.text import clean
from incident_tui.sync.events import RemoteResult, SyncReport


class PrintListener:
    """Prints what the engine reports; progress lines only on a terminal, to keep logs short.

    Everything goes to ``stream`` (stdout); ``errors`` (stderr) gets only the one line that
    says why a ``--once`` pass failed, so scripts can read the reason apart from the log.
    """

    def __init__(self, stream: TextIO | None = None, errors: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.errors = errors or sys.stderr
        self._tty = self.stream.isatty()

    def remote_started(self, remote: str) -> None:
        """Say which remote is being synced."""
        print(f"{remote}: syncing…", file=self.stream, flush=True)

    def remote_progress(self, remote: str, pulled: int) -> None:
        """Show the running count of listed incidents (terminal only)."""
        if self._tty:
            print(f"{remote}: listed {pulled}", file=self.stream, flush=True)

    def remote_details(self, remote: str, fetched: int, total: int) -> None:
        """Show how many full records are in (terminal only)."""
        if self._tty:
            print(f"{remote}: details {fetched}/{total}", file=self.stream, flush=True)

    def remote_finished(self, result: RemoteResult) -> None:
        """Print the remote's outcome."""
        print(clean(result.summary(), single_line=True), file=self.stream, flush=True)

    def incidents_changed(self, ids: list[str], urgent_new: list[str]) -> None:
        """Mention newly arrived urgent incidents."""
        for incident_id in urgent_new:
            print(f"new urgent incident: {incident_id}", file=self.stream, flush=True)


def summary(report: SyncReport) -> str:
    """The closing line of a pass."""
    good = sum(1 for r in report.results if r.ok)
    return f"synced {good} of {len(report.results)} remotes" + (
        "" if report.ok else f"; failing: {', '.join(r.remote for r in report.results if not r.ok)}"
    )


def failure_reason(report: SyncReport) -> str:
    """Why a pass failed, on one line: the summary with each failing remote's reason."""
    good = sum(1 for r in report.results if r.ok)
    failing = ", ".join(
        f"{r.remote} ({'offline' if r.offline else 'failed'}: {r.error or 'no reason given'})"
        for r in report.results
        if not r.ok
    )
    return clean(
        f"synced {good} of {len(report.results)} remotes; failing: {failing}", single_line=True
    )


async def run_sync(
    settings: Settings,
    remotes: Sequence[str] | None,
    *,
    once: bool,
    listener: PrintListener,
) -> int:
    """Sync once (exit 0 only if every remote synced) or every ``poll_seconds`` until stopped."""
    from incident_tui.sync.engine import SyncEngine

    engine = SyncEngine(settings, listener=listener)
    try:
        while True:
            report = await engine.sync(remotes)
            print(summary(report), file=listener.stream, flush=True)
            if once:
                if report.ok:
                    return 0
                # Exit status 1 promises its reason on stderr (interface.md).
                print(f"incident-tui: {failure_reason(report)}", file=listener.errors, flush=True)
                return 1
            await asyncio.sleep(settings.poll_seconds)
    finally:
        await engine.aclose()


async def read_fresh(settings: Settings, incident_id: str) -> str | None:
    """Read one cached incident in full from its remote into the cache (``show --fresh``);
    ``None`` when that worked, else why the cached copy is all there is."""
    from incident_tui.remote.errors import RemoteError
    from incident_tui.sync.engine import SyncEngine

    engine = SyncEngine(settings)
    try:
        if not await engine.refresh(incident_id):
            return f"its remote does not have {incident_id} (deleted there, or not sent yet)"
    except RemoteError as error:
        return f"cannot read {incident_id} from its remote: {clean(str(error), single_line=True)}"
    finally:
        await engine.aclose()
    return None
