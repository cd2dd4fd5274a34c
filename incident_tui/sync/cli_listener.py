"""Headless sync for the command line: a progress line per remote and a summary, both saying
which changes still wait for the user (refused or contested, and those held behind them).

A sync left running with its output in a log (a service, ``nohup``) would write the same
eleven lines every ``poll_seconds`` while nothing happens: there, a remote's lines that say
what its last ones said (times aside) are left out, and so is the summary of a pass that
printed nothing else; once an hour a pass is printed whole anyway, to show it still runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO

from sqlalchemy import Engine
from sqlmodel import col, select

from incident_tui.cli_stdout import GuardedStdout
from incident_tui.clock import time_of_day
from incident_tui.config import Settings
from incident_tui.domain.text import clean, seconds
from incident_tui.store.engine import reading
from incident_tui.store.schema import OutboxRow
from incident_tui.sync.advice import advice
from incident_tui.sync.events import RemoteResult, SyncReport
from incident_tui.sync.outbox import BLOCKING_STATES

REPEAT_EVERY = 3600.0
"""Seconds after which a log gets a whole pass again though nothing changed (see the
module's docstring)."""

_TIMING = re.compile(r" \(\d+\.\ds\)")
"""The time a pass took, in a remote's line: not a change worth a line in a log."""


class PrintListener:
    """Prints what the engine reports; progress lines only on a terminal, to keep logs short.

    Everything goes to ``stream`` (stdout); ``errors`` (stderr) gets only the one line that
    says why a ``--once`` pass failed, so scripts can read the reason apart from the log.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        errors: TextIO | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stdout
        self.errors = errors or sys.stderr
        self._tty = self.stream.isatty()
        self.cache: Engine | None = None
        """The cache whose outbox is read as each remote finishes (:func:`run_sync` sets
        it), so its line says what still waits for the user; ``None``: not said."""
        self._clock = clock
        self._repeats = True
        """Whether a pass that says what the last one said is printed (see :meth:`quiet`)."""
        self._held: dict[str, list[str]] = {}
        """Each remote's lines of the pass under way, until it finishes."""
        self._last: dict[str, tuple[str, ...]] = {}
        """What each remote's last printed lines said, times aside."""
        self._last_summary: str | None = None
        self._printed = False
        """Whether the pass under way printed a remote's lines."""
        self._whole = True
        """Whether the pass under way is printed whole (the first, or one due after an hour)."""
        self._shown_at: float | None = None

    def reader_gone(self) -> bool:
        """Whether the reader of ``stream`` closed the pipe (``sync | head``): its lines go
        nowhere since, and a sync that runs on has no one to print for."""
        return isinstance(self.stream, GuardedStdout) and self.stream.reader_gone

    def quiet(self) -> None:
        """Leave out what repeats the last pass, when the output is not a terminal (a sync
        left running into a log; see the module's docstring). Someone watching a terminal
        sees every pass."""
        self._repeats = self._tty

    def pass_started(self) -> None:
        """A pass over the remotes begins."""
        self._printed = False
        now = self._clock()
        self._whole = (
            self._repeats or self._shown_at is None or now - self._shown_at >= REPEAT_EVERY
        )

    def pass_ended(self, line: str) -> None:
        """Print the pass's summary ``line``, unless the pass printed nothing and the line
        says what the last one said."""
        if self._whole or self._printed or line != self._last_summary:
            print(line, file=self.stream, flush=True)
            self._shown_at = self._clock()
        self._last_summary = line

    def _say(self, remote: str, line: str) -> None:
        """One of ``remote``'s lines for this pass: printed at once, or held until it
        finishes when repeats are left out."""
        if self._repeats:
            print(line, file=self.stream, flush=True)
        else:
            self._held.setdefault(remote, []).append(line)

    def _release(self, remote: str) -> None:
        """Print ``remote``'s held lines of this pass, unless they repeat its last ones."""
        lines = self._held.pop(remote, [])
        said = tuple(_TIMING.sub("", line) for line in lines)
        if not self._whole and said == self._last.get(remote):
            return
        self._last[remote] = said
        self._printed = True
        for line in lines:
            print(line, file=self.stream, flush=True)

    def remote_started(self, remote: str) -> None:
        """Say which remote is being synced."""
        self._say(remote, f"{remote}: syncing…")

    def remote_progress(self, remote: str, listed: int) -> None:
        """Show the running count of listed incidents (terminal only)."""
        if self._tty:
            print(f"{remote}: listed {listed}", file=self.stream, flush=True)

    def remote_details(self, remote: str, fetched: int, total: int) -> None:
        """Show how many full records are in (terminal only)."""
        if self._tty:
            print(f"{remote}: details {fetched}/{total}", file=self.stream, flush=True)

    def remote_retrying(self, remote: str, reason: str, delay: float) -> None:
        """Say that a request failed and is tried again (terminal only)."""
        if self._tty:
            line = f"{remote}: {reason}; trying again in {seconds(delay)}"
            print(clean(line, single_line=True), file=self.stream, flush=True)

    def remote_finished(self, result: RemoteResult) -> None:
        """Print the remote's outcome, with the changes still waiting for the user, and
        what to do about a failure with a usual cause (credentials refused, out of reach)."""
        if self.cache is not None:
            counts = waiting_changes(self.cache, result.remote)
            result.waiting_refused, result.waiting_conflicts, result.held = counts
        remote = result.remote
        self._say(remote, clean(result.summary(), single_line=True))
        # Indented, not under the remote's name: a script takes a remote's last line that
        # starts with its name as the pass's outcome.
        for unsent in result.unsent:
            what = "in conflict" if unsent.contested else "refused"
            line = f"{what}: {unsent.op.replace('_', ' ')} {unsent.incident_id}: {unsent.reason}"
            self._say(remote, f"  {clean(line, single_line=True)}")
        if not result.ok and (hint := result_advice(result)):
            self._say(remote, f"  {hint}")
        if not self._repeats:
            self._release(remote)

    def incidents_changed(self, ids: list[str], urgent_new: list[str]) -> None:
        """Mention newly arrived urgent incidents."""
        for incident_id in urgent_new:
            shown = clean(incident_id, single_line=True)
            print(f"new urgent incident: {shown}", file=self.stream, flush=True)


def result_advice(result: RemoteResult) -> str:
    """The remotes screen's hint for a failed pass, from the same words the cache keeps."""
    return advice("offline" if result.offline else "failing", result.error)


def waiting_changes(engine: Engine, remote: str) -> tuple[int, int, int]:
    """The refused and the contested changes of ``remote`` still in the outbox, and the
    queued changes held behind them (later changes of the same incidents, which the sync
    does not send until the user answers: :func:`~incident_tui.sync.outbox.pending_changes`)."""
    query = (
        select(OutboxRow.incident_id, OutboxRow.state)
        .where(OutboxRow.remote == remote)
        .order_by(col(OutboxRow.seq))
    )
    with reading(engine) as s:
        rows = s.exec(query).all()
    return count_waiting(rows)


def count_waiting(rows: Iterable[tuple[str, str]]) -> tuple[int, int, int]:
    """The refused, contested and held changes (:func:`waiting_changes`) among a remote's
    outbox ``rows``, each its incident id and state, in push order."""
    refused = conflicts = held = 0
    blocked: set[str] = set()
    for incident_id, state in rows:
        if state == "failed":
            refused += 1
        elif state in BLOCKING_STATES:
            conflicts += 1
        elif incident_id in blocked:
            held += 1
        if state in BLOCKING_STATES:
            blocked.add(incident_id)
    return refused, conflicts, held


def summary(report: SyncReport) -> str:
    """The closing line of a pass: how many remotes synced, which failed, which hold their
    queued changes back until a time they asked for, and which have changes waiting for the
    user. A remote whose changes wait, for the user or for the time it named, still counts
    as synced: its pass went through, and the changes are neither lost nor sent early."""
    good = sum(1 for r in report.results if r.ok)
    line = f"synced {good} of {len(report.results)} remotes" + (
        "" if report.ok else f"; failing: {', '.join(r.remote for r in report.results if not r.ok)}"
    )
    for storage, what in ((False, "queued changes wait as the remote asked"),
                          (True, "uploads wait as the attachment storage asked")):
        # Only the uploads wait for a storage's pause: the remote's other changes went.
        asked = [
            f"{r.remote} until {time_of_day(r.waits_until)}"
            for r in report.results
            if r.ok and r.waits_until is not None and r.storage_wait == storage
        ]
        if asked:
            line += f"; {what}: {', '.join(asked)}"
    waiting = [f"{r.remote} {r.waiting_text()}" for r in report.results if r.waiting_text()]
    if waiting:
        line += f"; waiting for you: {'; '.join(waiting)} (see incident-tui outbox)"
    return line


def failure_reason(report: SyncReport) -> str:
    """Why a pass failed, on one line: the summary with each failing remote's reason."""
    good = sum(1 for r in report.results if r.ok)
    # Remotes failing for one reason (a cache another process holds, a network down) are
    # named together: five copies of a long reason hid which remotes failed otherwise.
    reasons: dict[str, list[str]] = {}
    for r in report.results:
        if not r.ok:
            reason = f"{'offline' if r.offline else 'failed'}: {r.error or 'no reason given'}"
            reasons.setdefault(reason, []).append(r.remote)
    failing = ", ".join(f"{', '.join(names)} ({reason})" for reason, names in reasons.items())
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
    """Sync once (exit 0 only if every remote synced) or every ``poll_seconds`` until stopped.

    A remote whose pass went through counts as synced even while refused or contested
    changes wait for the user (interface.md: the status is about the remotes); its line and
    the summary say so on every pass, not only on the one that was refused. So does one
    whose queued changes wait until a time the remote asked for (``Retry-After``): it
    answered, its incidents were pulled, and the changes go at the first pass after then;
    its line and the summary say until when."""
    from incident_tui.sync.engine import SyncEngine

    engine = SyncEngine(settings, listener=listener)
    listener.cache = engine.engine
    # A service manager stops a long-running sync with SIGTERM, and `timeout 60 incident-tui
    # sync --once` a cron job's: end it as Ctrl-C does (the pass under way stops,
    # connections close, one line says why) rather than die with no word.
    _stop_on_sigterm(asyncio.current_task())
    if not once:
        listener.quiet()
    try:
        while True:
            listener.pass_started()
            report = await engine.sync(remotes)
            listener.pass_ended(clean(summary(report), single_line=True))
            if once:
                if report.ok:
                    return 0
                # Exit status 1 promises its reason on stderr (interface.md).
                print(f"incident-tui: {failure_reason(report)}", file=listener.errors, flush=True)
                return 1
            if listener.reader_gone():
                # `sync | head -n 5`: the reader took what it wanted. The pass under way was
                # ended all the same, as breaking it off could leave a change half sent.
                return 0
            await asyncio.sleep(settings.poll_seconds)
    except asyncio.CancelledError as stop:
        task = asyncio.current_task()
        if stop.args != ("SIGTERM",) or task is None:
            raise
        task.uncancel()
        print("incident-tui: terminated", file=listener.errors, flush=True)
        return TERMINATED
    finally:
        await engine.aclose()


TERMINATED = 143
"""Exit status after SIGTERM, as a shell reports a process that signal ended (128 + 15)."""


def _stop_on_sigterm(task: asyncio.Task[Any] | None) -> None:
    """Have SIGTERM cancel ``task`` (the sync loop), which :func:`run_sync` ends with
    :data:`TERMINATED`. Where signals cannot be caught this way (Windows), the default stays."""
    if task is None:
        return
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, lambda: task.cancel("SIGTERM"))


async def read_fresh(settings: Settings, incident_id: str) -> str | None:
    """Read one cached incident in full from its remote into the cache (``show --fresh``);
    ``None`` when that worked, else why the cached copy is all there is."""
    from incident_tui.cli_store import waiting_note
    from incident_tui.domain.model import split_id
    from incident_tui.remote.errors import RemoteError
    from incident_tui.sync.engine import SyncEngine

    remote = split_id(incident_id)[0]
    if all(configured.name != remote for configured in settings.remotes):
        return f"its remote {remote!r} is not in the config, so it cannot be read anew"
    engine = SyncEngine(settings)
    try:
        # Another incident-tui writing keeps the store waiting: said as every change says it.
        if not await engine.refresh(incident_id, writing=waiting_note):
            return f"its remote does not have {incident_id} (deleted there, or not sent yet)"
    except RemoteError as error:
        return f"cannot read {incident_id} from its remote: {clean(str(error), single_line=True)}"
    finally:
        await engine.aclose()
    return None
