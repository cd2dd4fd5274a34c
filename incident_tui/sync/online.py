"""Things that need the remote now and cannot be queued: downloads, exports, previews and
look-ups. Shared by the command line and the TUI; every failure is a ``RemoteError`` (or an
``ActionError`` for a request that makes no sense for that incident or remote).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from incident_tui.clock import Clock, system_clock, time_of_day
from incident_tui.config import Settings
from incident_tui.domain.attachment_names import names_attachment, told_apart
from incident_tui.domain.capabilities import KIND_TITLES, no_download_route
from incident_tui.domain.model import Incident, split_id
from incident_tui.domain.sizes import DownloadProgress
from incident_tui.domain.text import clean
from incident_tui.remote.base import Connector, make_connector
from incident_tui.remote.errors import Held, NotFound, RateLimited, Unavailable
from incident_tui.remote.http import Http
from incident_tui.store.actions import ActionError
from incident_tui.store.db import StoreError
from incident_tui.store.pauses import without_pause_note
from incident_tui.store.reader import Reader
from incident_tui.sync.push import asked_until

Retrying = Callable[[str, Exception, float], None]
"""Told of a request to a remote that failed and goes again: the remote's name, why, and the
seconds until then."""


class Online:
    """One connector per remote, opened on first use; call :meth:`aclose` when done.

    ``on_retry`` hears of each request that failed and is sent again (the command line says
    so on a terminal: against a remote that does not answer, the retries take a minute)."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = system_clock,
        on_retry: Retrying | None = None,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._clock = clock
        self._on_retry = on_retry
        self._connectors: dict[str, Connector] = {}

    def connector(self, remote: str) -> Connector:
        """The connector of ``remote`` (``ConfigError`` if unknown)."""
        if remote not in self._connectors:
            config = self.settings.remote(remote)
            connector = make_connector(config, transport=self._transport)
            http = getattr(connector, "http", None)
            if http is not None and self._on_retry is not None:
                http.on_retry = functools.partial(self._on_retry, remote)
            self._connectors[remote] = connector
        return self._connectors[remote]

    async def ready(self, remote: str) -> Connector:
        """The connector of ``remote`` once it may be sent a request: :class:`Held` while
        the remote's pause lasts (a ``Retry-After`` on its listing, which every process on
        the cache keeps to, as the sync does), naming until when and why."""
        connector = self.connector(remote)
        paused = await asyncio.to_thread(_pause, self.settings, remote, self._clock())
        if paused is not None:
            until, reason = paused
            raise Held(
                f"{remote} asked for a pause until {time_of_day(until)}; try again then "
                f"({clean(without_pause_note(reason), single_line=True)})",
                until=until,
            )
        return connector

    @contextlib.contextmanager
    def _told_when(self, remote: str) -> Iterator[None]:
        """Within it, a request the remote answered with a wait longer than is waited out
        (a 429 or 503 with a far ``Retry-After``) fails as :class:`Held`: until when (at
        most as long as the sync holds changes back) and to try again then, as a pause the
        cache keeps does, with the remote's reason; a wait the attachment storage asked for
        is said to be its own."""
        try:
            yield
        except (RateLimited, Unavailable) as error:
            # A shorter wait was waited out (the handover stream waits its own), and the
            # request gave up for its tries: a pause a second long is no news to tell.
            until = asked_until(error, self._clock(), longer_than=Http.max_wait)
            if until is None:
                raise
            # The storage asked, not the API: it is another server, and nothing else waits.
            who = f"{remote}'s attachment storage" if error.storage else remote
            raise Held(
                f"{who} asked for a pause until {time_of_day(until)}; try again then "
                f"({clean(error.message, single_line=True)})",
                status=error.status,
                until=until,
            ) from None

    async def _feature(self, remote: str, method: str, what: str) -> Any:
        connector = await self.ready(remote)
        feature = getattr(connector, method, None)
        if feature is None:
            title = KIND_TITLES.get(connector.kind, connector.kind)
            raise ActionError(f"{title} remotes have no {what}")
        return feature

    async def aclose(self) -> None:
        """Close every connector opened."""
        for connector in self._connectors.values():
            await connector.aclose()
        self._connectors.clear()

    # Attachments and exports (Kitehouse) ---------------------------------------------------

    async def download(
        self,
        incident_id: str,
        which: str,
        folder: Path | None = None,
        progress: DownloadProgress | None = None,
    ) -> Path:
        """Save the attachment named ``which`` (or with that id) into the download folder under
        a safe, new name; returns the file written. ``progress`` gets the file's name once it
        is known, and then its bytes as they come."""
        remote, remote_id = split_id(incident_id)
        fetch = await self._feature(remote, "download_attachment_to", "attachments")
        attachments = await asyncio.to_thread(_cached_attachments, self.settings, incident_id)
        if not any(names_attachment(which, a) for a in attachments):
            with self._told_when(remote):
                fresh = await self.connector(remote).get(remote_id)
            attachments = [
                {"name": a.name, "remote_id": a.remote_id, "content_type": a.content_type,
                 "size": a.size, "url": a.url}
                for a in fresh.attachments or ()
            ]
        found = [a for a in attachments if names_attachment(which, a) and a["remote_id"]]
        if len(found) > 1:
            # Several files of that name: saving the first would be a guess the user may
            # never notice.
            raise ActionError(
                f"{incident_id} has {len(found)} attachments named {which!r} "
                f"({', '.join(told_apart(a) for a in found)}); give the number of the one to "
                "download"
            )
        if not found:
            if any(names_attachment(which, a) for a in attachments):
                raise ActionError(
                    f"{incident_id}: attachment {which!r} is not uploaded yet (the next sync "
                    "sends it)"
                )
            names = ", ".join(repr(a["name"]) for a in attachments) or "none"
            raise ActionError(f"{incident_id} has no attachment {which!r} (it has: {names})")
        attachment = found[0]
        if why := no_download_route(self.connector(remote).kind, attachment):
            # Refused here: the remote would only be asked to say the same, in three requests.
            raise ActionError(f"{incident_id}: cannot download {attachment['name']!r}: {why}")
        if progress is not None:
            progress.name = str(attachment["name"] or attachment["remote_id"])
        with self._told_when(remote):
            path: Path = await fetch(
                remote_id,
                attachment["remote_id"],
                folder or self.settings.downloads(),
                attachment["name"],
                progress.update if progress is not None else None,
            )
        return path

    async def export_pdf(
        self,
        incident_id: str,
        folder: Path | None = None,
        *,
        with_attachments: bool = False,
        progress: DownloadProgress | None = None,
    ) -> Path:
        """Save the remote's PDF report of one incident; returns the file written.
        ``progress`` gets the file's name, and then its bytes as they come."""
        remote, remote_id = split_id(incident_id)
        export = await self._feature(remote, "export_pdf_to", "PDF export")
        name = f"{remote}-{remote_id}.pdf"
        if progress is not None:
            progress.name = name
        with self._told_when(remote):
            path: Path = await export(
                remote_id, folder or self.settings.downloads(), name,
                with_attachments=with_attachments,
                progress=progress.update if progress is not None else None,
            )
        return path

    async def export_remote_csv(
        self,
        remote: str,
        *,
        search: str | None = None,
        status: str | None = None,
        folder: Path | None = None,
        progress: DownloadProgress | None = None,
    ) -> Path:
        """Save the remote's own CSV export of a search; returns the file written.
        ``progress`` gets the file's name, and then its bytes as they come."""
        export = await self._feature(remote, "export_csv_to", "CSV export")
        name = f"{remote}-export.csv"
        if progress is not None:
            progress.name = name
        with self._told_when(remote):
            path: Path = await export(
                folder or self.settings.downloads(), name, search=search or None,
                status=status or None,
                progress=progress.update if progress is not None else None,
            )
        return path

    async def stale(self, remote: str) -> list[Incident]:
        """The remote's own list of stale incidents (Kitehouse)."""
        stale = await self._feature(remote, "stale", "stale-incident list")
        with self._told_when(remote):
            result: list[Incident] = await stale()
        return result

    async def dashboard(self, remote: str, start: datetime, end: datetime | None) -> dict[str, Any]:
        """The remote's own dashboard figures (Kitehouse)."""
        dashboard = await self._feature(remote, "dashboard", "dashboard endpoint")
        with self._told_when(remote):
            result: dict[str, Any] = await dashboard(start, end)
        return result

    async def handover_stream(self, remote: str, hours: float) -> AsyncIterator[str]:
        """The remote's own handover e-mail as it streams in (Kitehouse SSE)."""
        stream = await self._feature(remote, "handover_stream", "handover stream")
        with self._told_when(remote):
            async for chunk in stream(hours):
                yield chunk

    # Look-ups for forms and confirmations ------------------------------------------------

    async def services(self, remote: str) -> list[dict[str, Any]]:
        """Where new incidents can go (Revily services)."""
        services = await self._feature(remote, "services", "services")
        with self._told_when(remote):
            result: list[dict[str, Any]] = await services()
        return result

    async def delete_preview(self, incident_id: str) -> dict[str, Any]:
        """What deleting would remove besides the incident (4HSE children); empty elsewhere."""
        remote, remote_id = split_id(incident_id)
        preview = getattr(self.connector(remote), "delete_preview", None)
        if preview is None:
            return {"related": {}, "names": {}, "total": 0}
        await self.ready(remote)
        try:
            with self._told_when(remote):
                result: dict[str, Any] = await preview(remote_id)
        except NotFound:
            return {"related": {}, "names": {}, "total": 0}
        return result

    async def attribute_definitions(self, remote: str) -> list[dict[str, Any]]:
        """The attributes an AOH IMS deployment defines (name and type)."""
        definitions = await self._feature(remote, "attribute_definitions", "custom attributes")
        with self._told_when(remote):
            result: list[dict[str, Any]] = await definitions()
        return result

    async def states(self, remote: str) -> list[dict[str, Any]]:
        """The project's incident states (OneUptime)."""
        states = await self._feature(remote, "states", "configurable states")
        with self._told_when(remote):
            result: list[dict[str, Any]] = await states()
        return result


def _pause(settings: Settings, remote: str, now: datetime) -> tuple[datetime, str] | None:
    """The remote's pause as the cache keeps it; ``None`` also when there is no cache yet
    (nothing synced, so nothing asked for a pause) or it cannot be read: a request the user
    asked for is not refused for the cache's trouble, which the sync reports."""
    path = settings.db_path()
    if not path.exists():
        return None
    try:
        reader = Reader.open(path)
    except StoreError:
        return None
    try:
        return reader.remote_pause(remote, now)
    except sqlite3.Error:
        return None
    finally:
        reader.close()


def _cached_attachments(settings: Settings, incident_id: str) -> list[dict[str, Any]]:
    reader = Reader.open(settings.db_path())
    try:
        detail = reader.detail(incident_id)
    finally:
        reader.close()
    if detail is None:
        raise ActionError(f"no incident {incident_id!r} in the cache")
    return detail.attachments
