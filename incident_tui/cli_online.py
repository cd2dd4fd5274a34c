"""Commands for what each system does best: attachments, exports, stale lists, services and
attributes. Uploads and attribute changes are queued like every change; downloads, exports
and look-ups need the remote now."""

from __future__ import annotations

import argparse
import asyncio
import mimetypes
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from incident_tui.cli_stdin import confirmed, stdin_is_terminal
from incident_tui.cli_stdout import done
from incident_tui.cli_store import (
    Failure,
    open_actions,
    open_reader,
    run_action,
    say_if_disabled,
)
from incident_tui.domain.attachment_names import names_attachment, told_apart
from incident_tui.domain.attributes import parse_value, type_of
from incident_tui.domain.capabilities import Capability, lacking
from incident_tui.domain.text import author_name, clean, seconds, shorten
from incident_tui.files import readable
from incident_tui.paths import path_argument

T = TypeVar("T")
_TO = path_argument("--to", "download_dir")
"""``--to`` of the commands that save files."""


def _upload(text: str) -> Path:
    """The ``file`` of ``attach``: an empty one is wrong usage. As a path it is the working
    folder, refused as ". is a folder", a path the user never typed."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path names no file: give the file to upload")
    return Path(text)

if TYPE_CHECKING:
    from incident_tui.cli_progress import ProgressLine
    from incident_tui.config import Settings
    from incident_tui.domain.sizes import DownloadProgress
    from incident_tui.store.reader import Detail
    from incident_tui.sync.online import Online


ID_HELP = "incident id as 'list' shows it (REMOTE:ID), or the TUI's short id (INC-42, ops:b939ad88)"
REMOTE_HELP = "name of the remote (from the config)"
ATTACHMENT_HELP = "the attachment's name or number as 'show' lists it, or its id"


def add_commands(sub: Any) -> None:
    """Register the commands on the main parser's subparsers (``sub``: anything with their
    ``add_parser``; the command line passes one that adds ``--config`` and ``--db``)."""
    attach = sub.add_parser("attach", help="queue uploading a file to an incident (Kitehouse)")
    attach.add_argument("id", help=ID_HELP)
    attach.add_argument("file", type=_upload, help="the file to upload")
    attach.add_argument("--content-type", help="MIME type (default: guessed from the name)")

    forget = sub.add_parser(
        "delete-attachment", help="queue deleting an attachment (Kitehouse; asks first)"
    )
    forget.add_argument("id", help=ID_HELP)
    forget.add_argument("which", help=ATTACHMENT_HELP)
    forget.add_argument("--yes", action="store_true", help="do not ask")

    uncomment = sub.add_parser(
        "delete-comment",
        help="queue deleting a comment (Kitehouse, AOH IMS, OneUptime; asks first)",
    )
    uncomment.add_argument("id", help=ID_HELP)
    uncomment.add_argument("number", type=int, help="the comment's number in 'show'")
    uncomment.add_argument("--yes", action="store_true", help="do not ask")

    download = sub.add_parser(
        "download", help="download an attachment (Kitehouse, OneUptime postmortems)"
    )
    download.add_argument("id", help=ID_HELP)
    download.add_argument("name", help=ATTACHMENT_HELP)
    download.add_argument("--to", type=_TO, help="folder (default: download_dir)")

    pdf = sub.add_parser("export-pdf", help="save the remote's PDF report of an incident")
    pdf.add_argument("id", help=ID_HELP)
    pdf.add_argument("--to", type=_TO, help="folder (default: download_dir)")
    pdf.add_argument(
        "--with-attachments", action="store_true", help="ask the remote to include them"
    )

    csv_export = sub.add_parser("export-csv", help="save the remote's own CSV export (Kitehouse)")
    csv_export.add_argument("remote", help=REMOTE_HELP)
    csv_export.add_argument("--search", help="the remote's own text filter")
    csv_export.add_argument("--status", help="the remote's own status word")
    csv_export.add_argument("--to", type=_TO, help="folder (default: download_dir)")

    stale = sub.add_parser("stale", help="the remote's own list of stale incidents (Kitehouse)")
    stale.add_argument("remote", help=REMOTE_HELP)
    stale.add_argument("--json", action="store_true", help="JSON array")

    services = sub.add_parser("services", help="where new incidents can go (Revily)")
    services.add_argument("remote", help=REMOTE_HELP)

    attribute = sub.add_parser("attribute", help="queue setting a custom attribute (AOH IMS)")
    attribute.add_argument("id", help=ID_HELP)
    attribute.add_argument("name", help="the attribute's name (see 'attributes')")
    attribute.add_argument(
        "value",
        help="the value, read by the attribute's type (true or false, 42, text); as JSON "
        "(true, 5, \"text\") when the remote cannot say the type",
    )

    attributes = sub.add_parser("attributes", help="the attributes a remote defines (AOH IMS)")
    attributes.add_argument("remote", help=REMOTE_HELP)


PREVIEW_TIMEOUT = 10.0
"""Seconds ``delete`` waits for a remote to say what else deleting removes, as the TUI's
question does: the connector's retries on a remote that never answers take a minute."""
ASKING_NOTE_AFTER = 1.0
"""Seconds ``delete`` waits for a preview in silence before saying on a terminal that it
asks the remote."""
WAITING_NOTE_AFTER = 1.0
"""Seconds a download or export waits in silence for its first byte before it says, on a
terminal, that it waits for the remote (and between those words once a retry wiped them)."""
FRESH_TIMEOUT = 10.0
"""Seconds ``show --fresh`` waits for the remote before showing the cached copy."""
ATTRIBUTE_TYPES_TIMEOUT = 10.0
"""Seconds ``attribute`` waits for the remote's attribute definitions before it reads the
value as offline (by the type of the current value)."""


async def _within(limit: float | None, awaited: Awaitable[T], who: str = "the remote") -> T:
    """``awaited``'s result, or a :class:`Failure` saying ``who`` did not answer when
    ``limit`` seconds (none if ``None``) run out first."""
    cap = asyncio.timeout(limit)
    try:
        async with cap:
            return await awaited
    except TimeoutError:
        # TimeoutError is an OSError: only the cap running out is "no answer".
        if cap.expired():
            raise Failure(f"{who} did not answer in {limit or 0:g} s") from None
        raise


def _run(
    settings: Settings,
    call: Callable[[Any], Awaitable[T]],
    *,
    timeout: float | None = None,
    line: ProgressLine | None = None,
) -> T:
    """Run ``call`` with an :class:`Online` on a loop of its own; its failures as one-line
    :class:`Failure`. ``timeout``: most seconds for the whole call, retries included (the
    connectors' own limits are per attempt). On a terminal, each request that failed and
    goes again is said on stderr, as ``sync`` says it (wiping ``line``, the progress line,
    first): a remote that does not answer takes a minute of retries to give up on."""
    from incident_tui.remote.errors import RemoteError
    from incident_tui.store.actions import ActionError
    from incident_tui.sync.online import Online

    def retrying(remote: str, error: Exception, delay: float) -> None:
        if not sys.stderr.isatty():
            return
        if line is not None:
            line.close()
        said = clean(f"{remote}: {error}; trying again in {seconds(delay)}", single_line=True)
        print(said, file=sys.stderr, flush=True)

    async def go() -> T:
        online = Online(settings, on_retry=retrying)
        try:
            return await _within(timeout, call(online))
        finally:
            await online.aclose()

    try:
        return asyncio.run(go())
    except (RemoteError, ActionError, ValueError, OSError) as error:
        raise Failure(str(error)) from None


def cmd_attach(args: argparse.Namespace, settings: Settings) -> int:
    """Queue an upload."""
    content_type = args.content_type or mimetypes.guess_type(args.file.name)[0]
    actions = open_actions(settings)
    queued = run_action(actions.attach, args.id, args.file, content_type)
    name = readable(args.file.name)
    queued_line = f"queued: attach {name} to {queued.incident_id} (change {queued.seq})"
    done(clean(queued_line, single_line=True))
    say_if_disabled(settings, [queued.incident_id])
    return 0


EXCERPT_WIDTH = 60
"""Most characters of a comment a confirmation quotes."""


def _excerpt(body: object) -> str:
    """The first non-blank line of a remote text, cleaned and cut for a one-line question;
    an ellipsis marks that more follows."""
    lines = [line for line in clean(body).splitlines() if line.strip()]
    if not lines:
        return ""
    first = clean(lines[0], single_line=True)
    return shorten(first + (" …" if len(lines) > 1 else ""), EXCERPT_WIDTH)


def _ask(question: str, yes: bool) -> None:
    if yes:
        return
    if not stdin_is_terminal():
        raise Failure(f"{question} Not confirmed: pass --yes to run without a terminal")
    if not confirmed(question):
        raise Failure("cancelled; nothing was changed")


def _detail(
    settings: Settings, incident_id: str, needs: Capability | None = None
) -> Detail:
    """The cached incident; one whose remote kind lacks ``needs`` is refused first, since
    looking for its comment or file by number or name could only say it has none."""
    reader = open_reader(settings)
    try:
        detail = reader.detail(incident_id)
    finally:
        reader.close()
    if detail is None:
        raise Failure(f"no incident {incident_id!r} in the cache")
    cannot = lacking(str(detail.incident.get("kind")), needs) if needs is not None else None
    if cannot is not None:
        raise Failure(cannot)
    return detail


def cmd_delete_attachment(args: argparse.Namespace, settings: Settings) -> int:
    """Queue deleting an attachment, named or numbered as 'show' lists it."""
    detail = _detail(settings, args.id, Capability.DELETE_ATTACHMENT)
    found = [a for a in detail.attachments if names_attachment(args.which, a)]
    if not found:
        names = ", ".join(f"#{a['seq']} {clean(a['name'], single_line=True)}"
                          for a in detail.attachments) or "none"
        raise Failure(f"{args.id} has no attachment {args.which!r} (it has: {names})")
    shown = clean(args.id, single_line=True)
    if len(found) > 1:
        # Several files of that name: deleting the first would be a guess, and --yes
        # would not even show which one went. The hint's number is bare: a shell takes
        # a word starting with # for a comment.
        listed = ", ".join(told_apart(a) for a in found)
        raise Failure(
            f"{shown} has {len(found)} attachments named {args.which!r} ({listed}); give the "
            f"number of the one to delete (incident-tui delete-attachment {shown} "
            f"{found[0]['seq']})"
        )
    attachment = found[0]
    name = clean(attachment["name"], single_line=True)
    _ask(f"Delete attachment #{attachment['seq']} {name!r} of {shown}?", args.yes)
    actions = open_actions(settings)
    queued = run_action(actions.delete_attachment, args.id, attachment["seq"])
    if queued.cancelled:
        done(
            f"cancelled: the unsent attachment {name} on {shown} (nothing was sent)"
        )
    elif queued.after_sending:
        done(
            f"queued: delete attachment {name} of {shown} after its upload, which may have "
            f"reached the remote, is settled (change {queued.seq})"
        )
    else:
        done(f"queued: delete attachment {name} of {shown} (change {queued.seq})")
    if not queued.cancelled:
        say_if_disabled(settings, [queued.incident_id])
    return 0


def cmd_delete_comment(args: argparse.Namespace, settings: Settings) -> int:
    """Queue deleting a comment, numbered as 'show' lists it."""
    detail = _detail(settings, args.id, Capability.DELETE_COMMENT)
    comment = next((c for c in detail.comments if c["seq"] == args.number), None)
    if comment is None:
        numbers = ", ".join(f"#{c['seq']}" for c in detail.comments) or "none"
        raise Failure(f"{args.id} has no comment #{args.number} (it has: {numbers})")
    # Who wrote it and how it starts: the number alone does not show which comment it is.
    author = author_name(comment["author"])
    text = _excerpt(comment["body"])
    shown = clean(args.id, single_line=True)
    _ask(f"Delete comment #{args.number} of {shown} by {author}: {text!r}?", args.yes)
    actions = open_actions(settings)
    queued = run_action(actions.delete_comment, args.id, args.number)
    if queued.cancelled:
        done(
            f"cancelled: the unsent comment #{args.number} on {shown} (nothing was sent)"
        )
    elif queued.after_sending:
        done(
            f"queued: delete comment #{args.number} of {shown} after its post, which may "
            f"have reached the remote, is settled (change {queued.seq})"
        )
    else:
        done(f"queued: delete comment #{args.number} of {shown} (change {queued.seq})")
    if not queued.cancelled:
        say_if_disabled(settings, [queued.incident_id])
    return 0


def _save_with_progress(
    settings: Settings,
    remote: str,
    save: Callable[[Online, DownloadProgress], Awaitable[Path]],
) -> int:
    """Run a download or export from ``remote``, showing how far it has come on a terminal
    (and, while none of it has come, that it waits for the remote), and say where the file
    went."""
    from incident_tui.cli_progress import ProgressLine
    from incident_tui.domain.sizes import DownloadProgress

    line = ProgressLine(sys.stderr)
    progress = DownloadProgress(on_update=line.draw, remote=remote)

    async def saving(online: Online) -> Path:
        async def waiting() -> None:
            # Again after a retry's notice wiped the line: it waits anew.
            while True:
                await asyncio.sleep(WAITING_NOTE_AFTER)
                line.wait(progress)

        ticker = asyncio.ensure_future(waiting())
        try:
            return await save(online, progress)
        finally:
            ticker.cancel()

    try:
        path = _run(settings, saving, line=line)
    finally:
        line.close()
    done(f"saved {path}")
    return 0


def cmd_download(args: argparse.Namespace, settings: Settings) -> int:
    """Download one attachment."""
    return _save_with_progress(
        settings,
        args.id.partition(":")[0],
        lambda online, progress: online.download(args.id, args.name, args.to, progress),
    )


def cmd_export_pdf(args: argparse.Namespace, settings: Settings) -> int:
    """Save an incident's PDF report."""
    return _save_with_progress(
        settings,
        args.id.partition(":")[0],
        lambda online, progress: online.export_pdf(
            args.id, args.to, with_attachments=args.with_attachments, progress=progress
        ),
    )


def cmd_export_csv(args: argparse.Namespace, settings: Settings) -> int:
    """Save the remote's own CSV export."""
    return _save_with_progress(
        settings,
        args.remote,
        lambda online, progress: online.export_remote_csv(
            args.remote, search=args.search, status=args.status, folder=args.to,
            progress=progress,
        ),
    )


def cmd_stale(args: argparse.Namespace, settings: Settings) -> int:
    """Print the remote's stale incidents."""
    from incident_tui import output
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
        print(output.dump_json(rows))
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
    """Queue setting an attribute, its value read by the type the remote gives it."""
    value = typed_attribute(settings, args.id, args.name, args.value)
    actions = open_actions(settings)
    queued = run_action(actions.set_attribute, args.id, args.name, value)
    done(clean(f"queued: set {args.name} on {queued.incident_id} (change {queued.seq})",
               single_line=True))
    say_if_disabled(settings, [queued.incident_id])
    return 0


def typed_attribute(
    settings: Settings,
    incident_id: str,
    name: str,
    text: str,
    *,
    timeout: float = ATTRIBUTE_TYPES_TIMEOUT,
) -> Any:
    """``text`` as the value of attribute ``name``, read as the TUI's dialog reads it: by the
    type the remote defines (asked within ``timeout`` seconds), else, offline or for a remote
    the config disables, by the type of the incident's current value, else as JSON. A
    :class:`Failure` for a name the remote does not define or a value that does not fit."""
    reader = open_reader(settings)
    try:
        detail = reader.detail(incident_id)
    finally:
        reader.close()
    if detail is None or lacking(str(detail.incident.get("kind")), Capability.ATTRIBUTES):
        return text  # nothing is queued: setting it says why
    fields = detail.incident.get("custom_fields")
    current = fields if isinstance(fields, dict) else {}
    remote = incident_id.partition(":")[0]
    defined: dict[str, str] = {}
    if any(r.name == remote and r.enabled for r in settings.remotes):
        try:
            found = _run(
                settings, lambda online: online.attribute_definitions(remote), timeout=timeout
            )
        except Failure as error:
            # Offline is normal for a queued change: say so and go on as the TUI does.
            reason = shorten(clean(str(error), single_line=True), 120)
            print(
                f"incident-tui: could not read the attributes {remote} defines ({reason}); "
                "the value is read by the type of the current one, if any",
                file=sys.stderr,
            )
        else:
            defined = {str(i["name"]): str(i.get("type") or "") for i in found if i.get("name")}
    shown = clean(name, single_line=True)
    if defined and name not in defined:
        raise Failure(
            f"{shown} is not defined on {remote}: 'incident-tui attributes {remote}' lists "
            "the attributes it has"
        )
    try:
        return parse_value(text, type_of(name, defined, current))
    except ValueError as error:
        message = str(error)
        raise Failure(f"{shown}: {message[:1].lower()}{message[1:]}") from None


def cmd_attributes(args: argparse.Namespace, settings: Settings) -> int:
    """Print the remote's attribute definitions."""
    definitions = _run(settings, lambda online: online.attribute_definitions(args.remote))
    for item in definitions:
        print(clean(f"{item.get('name')}  {item.get('type')}", single_line=True))
    return 0


def confirm_delete(settings: Settings, ids: list[str], *, timeout: float | None = None) -> str:
    """What deleting would also remove, read from the remotes that can tell (4HSE children);
    a :class:`Failure` when they cannot, or do not answer within ``timeout`` seconds
    (:data:`PREVIEW_TIMEOUT` unless given)."""

    from incident_tui.domain.model import split_id

    told: set[str] = set()

    async def previews(online: Any) -> list[str]:
        lines = []
        for incident_id in ids:
            remote = split_id(incident_id)[0]
            preview = await _told_if_slow(online.delete_preview(incident_id), remote, told)
            if preview.get("total"):
                names = preview.get("names") or preview.get("related") or {}
                detail = "; ".join(
                    f"{kind}: {', '.join(map(str, items))}"
                    for kind, items in names.items()
                    if items
                )
                lines.append(f"{incident_id} also removes {preview['total']} related: {detail}")
        return lines

    lines = _run(settings, previews, timeout=PREVIEW_TIMEOUT if timeout is None else timeout)
    return "\n".join(clean(line) for line in lines)


async def _told_if_slow(awaited: Awaitable[T], remote: str, told: set[str]) -> T:
    """``awaited``'s result; on a terminal, when it takes more than :data:`ASKING_NOTE_AFTER`
    seconds, first a line on stderr saying that ``remote`` is being asked (once a remote,
    kept in ``told``): the question waits for it up to :data:`PREVIEW_TIMEOUT` seconds, and
    a slow link is otherwise that long in silence. Scripts' output stays as it was."""
    task = asyncio.ensure_future(awaited)
    try:
        finished, _ = await asyncio.wait({task}, timeout=ASKING_NOTE_AFTER)
        if not finished and remote not in told and sys.stderr.isatty():
            told.add(remote)
            shown = clean(remote, single_line=True)
            print(f"asking {shown} what else would be removed…", file=sys.stderr, flush=True)
        return await task
    finally:
        task.cancel()  # cut short (the cap ran out): the request goes too


def read_fresh(
    settings: Settings, incident_id: str, *, timeout: float | None = None
) -> str | None:
    """Read one cached incident anew from its remote into the cache (``show --fresh``), within
    ``timeout`` seconds (:data:`FRESH_TIMEOUT` unless given); ``None`` when that worked, else
    why the cached copy is all there is."""
    from incident_tui.domain.model import split_id
    from incident_tui.sync.cli_listener import read_fresh as fetch

    limit = FRESH_TIMEOUT if timeout is None else timeout

    async def go() -> str | None:
        try:
            return await _within(limit, fetch(settings, incident_id), split_id(incident_id)[0])
        except Failure as error:
            return str(error)

    return asyncio.run(go())


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "attach": cmd_attach,
    "delete-attachment": cmd_delete_attachment,
    "delete-comment": cmd_delete_comment,
    "download": cmd_download,
    "export-pdf": cmd_export_pdf,
    "export-csv": cmd_export_csv,
    "stale": cmd_stale,
    "services": cmd_services,
    "attribute": cmd_attribute,
    "attributes": cmd_attributes,
}
