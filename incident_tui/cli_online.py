"""Commands for what each system does best: attachments, exports, stale lists, services and
attributes. Uploads and attribute changes are queued like every change; downloads, exports
and look-ups need the remote now."""

from __future__ import annotations

import argparse
import asyncio
import json
import mimetypes
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from incident_tui.config import Settings
from incident_tui.domain.text import clean

T = TypeVar("T")


class OnlineFailure(Exception):
    """A remote or request failure, printed as one line with exit status 1."""


def add_commands(sub: Any) -> None:
    """Register the commands on the main parser's subparsers."""
    attach = sub.add_parser("attach", help="queue uploading a file to an incident (Kitehouse)")
    attach.add_argument("id")
    attach.add_argument("file", type=Path)
    attach.add_argument("--content-type", help="MIME type (default: guessed from the name)")

    download = sub.add_parser("download", help="download an attachment (Kitehouse)")
    download.add_argument("id")
    download.add_argument("name", help="the attachment's name or id")
    download.add_argument("--to", type=Path, help="folder (default: download_dir)")

    pdf = sub.add_parser("export-pdf", help="save the remote's PDF report of an incident")
    pdf.add_argument("id")
    pdf.add_argument("--to", type=Path, help="folder (default: download_dir)")
    pdf.add_argument("--with-attachments", action="store_true")

    csv_export = sub.add_parser("export-csv", help="save the remote's own CSV export (Kitehouse)")
    csv_export.add_argument("remote")
    csv_export.add_argument("--search")
    csv_export.add_argument("--status")
    csv_export.add_argument("--to", type=Path, help="folder (default: download_dir)")

    stale = sub.add_parser("stale", help="the remote's own list of stale incidents (Kitehouse)")
    stale.add_argument("remote")
    stale.add_argument("--json", action="store_true")

    services = sub.add_parser("services", help="where new incidents can go (Revily)")
    services.add_argument("remote")

    attribute = sub.add_parser("attribute", help="queue setting a custom attribute (AOH IMS)")
    attribute.add_argument("id")
    attribute.add_argument("name")
    attribute.add_argument("value", help='JSON value (true, 5, "text") or plain text')

    attributes = sub.add_parser("attributes", help="the attributes a remote defines (AOH IMS)")
    attributes.add_argument("remote")


def _run(settings: Settings, call: Callable[[Any], Awaitable[T]]) -> T:
    from incident_tui.remote.errors import RemoteError
    from incident_tui.store.actions import ActionError
    from incident_tui.sync.online import Online

    async def go() -> T:
        online = Online(settings)
        try:
            return await call(online)
        finally:
            await online.aclose()

    try:
        return asyncio.run(go())
    except (RemoteError, ActionError, ValueError, OSError) as error:
        raise OnlineFailure(str(error)) from None


def _queue(call: Callable[[], Any]) -> Any:
    from incident_tui.store.actions import ActionError

    try:
        return call()
    except ActionError as error:
        raise OnlineFailure(str(error)) from None


def cmd_attach(args: argparse.Namespace, settings: Settings) -> int:
    """Queue an upload."""
    from incident_tui.store.actions import Actions

    content_type = args.content_type or mimetypes.guess_type(args.file.name)[0]
    actions = Actions.open(settings.db_path())
    queued = _queue(lambda: actions.attach(args.id, args.file, content_type))
    print(f"queued: attach {args.file.name} to {queued.incident_id} (change {queued.seq})")
    return 0


def cmd_download(args: argparse.Namespace, settings: Settings) -> int:
    """Download one attachment."""
    path = _run(settings, lambda online: online.download(args.id, args.name, args.to))
    print(f"saved {path}")
    return 0


def cmd_export_pdf(args: argparse.Namespace, settings: Settings) -> int:
    """Save an incident's PDF report."""
    path = _run(
        settings,
        lambda online: online.export_pdf(args.id, args.to, with_attachments=args.with_attachments),
    )
    print(f"saved {path}")
    return 0


def cmd_export_csv(args: argparse.Namespace, settings: Settings) -> int:
    """Save the remote's own CSV export."""
    path = _run(
        settings,
        lambda online: online.export_remote_csv(
            args.remote, search=args.search, status=args.status, folder=args.to
        ),
    )
    print(f"saved {path}")
    return 0


def cmd_stale(args: argparse.Namespace, settings: Settings) -> int:
    """Print the remote's stale incidents."""
    from incident_tui.domain.mapping import format_time

    incidents = _run(settings, lambda online: online.stale(args.remote))
    if args.json:
        rows = [
            {
                "id": i.id,
                "ref": i.ref,
                "title": i.title,
                "status": i.status.value,
                "updated_at": format_time(i.updated_at),
            }
            for i in incidents
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not incidents:
        print("no stale incidents")
    for incident in incidents:
        updated = format_time(incident.updated_at) or "?"
        line = f"{incident.id}  {updated}  {incident.status.value:<12}  {incident.title}"
        print(clean(line, single_line=True))
    return 0


def cmd_services(args: argparse.Namespace, settings: Settings) -> int:
    """Print the remote's services."""
    services = _run(settings, lambda online: online.services(args.remote))
    for service in services:
        line = f"{service.get('id')}  {service.get('state', '')}  {service.get('name', '')}"
        print(clean(line, single_line=True))
    return 0


def cmd_attribute(args: argparse.Namespace, settings: Settings) -> int:
    """Queue setting an attribute."""
    from incident_tui.store.actions import Actions

    try:
        value = json.loads(args.value)
    except ValueError:
        value = args.value
    actions = Actions.open(settings.db_path())
    queued = _queue(lambda: actions.set_attribute(args.id, args.name, value))
    print(f"queued: set {args.name} on {queued.incident_id} (change {queued.seq})")
    return 0


def cmd_attributes(args: argparse.Namespace, settings: Settings) -> int:
    """Print the remote's attribute definitions."""
    definitions = _run(settings, lambda online: online.attribute_definitions(args.remote))
    for item in definitions:
        print(clean(f"{item.get('name')}  {item.get('type')}", single_line=True))
    return 0


def confirm_delete(settings: Settings, ids: list[str]) -> str:
    """What deleting would also remove, read from the remotes that can tell (4HSE children)."""

    async def previews(online: Any) -> list[str]:
        lines = []
        for incident_id in ids:
            preview = await online.delete_preview(incident_id)
            if preview.get("total"):
                names = preview.get("names") or preview.get("related") or {}
                detail = "; ".join(
                    f"{kind}: {', '.join(map(str, items))}"
                    for kind, items in names.items()
                    if items
                )
                lines.append(f"{incident_id} also removes {preview['total']} related: {detail}")
        return lines

    return "\n".join(clean(line) for line in _run(settings, previews))


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "attach": cmd_attach,
    "download": cmd_download,
    "export-pdf": cmd_export_pdf,
    "export-csv": cmd_export_csv,
    "stale": cmd_stale,
    "services": cmd_services,
    "attribute": cmd_attribute,
    "attributes": cmd_attributes,
}
