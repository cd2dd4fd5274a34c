"""Commands that queue a change to incidents: acknowledge, resolve, reopen, comment, create and
delete. Each prints what it queued; the sync sends it to the remote. Deleting an incident
created here that was never sent queues nothing: it prints what it cancelled instead; one whose
create may have reached the remote waits for it, and says so."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from incident_tui import cli_online
from incident_tui.cli_stdin import confirmed, stdin_is_terminal
from incident_tui.cli_stdout import done
from incident_tui.cli_store import (
    Failure,
    open_actions,
    open_reader,
    run_action,
    say_if_disabled,
    waiting_note,
)
from incident_tui.domain.model import Severity
from incident_tui.domain.text import clean

if TYPE_CHECKING:
    from incident_tui.config import Settings
    from incident_tui.store.queued import Queued, Skipped


def _stdin_text(what: str) -> str:
    """Standard input as text for ``what`` (``--message -``) without the line break that ends
    it; a failure if it is not UTF-8."""
    if sys.stdin is None:  # started with it closed (`<&-`)
        raise Failure(f"{what} is to be read from standard input, but it is closed")
    try:
        # Strict decoding raises here; under a C locale bad bytes arrive as surrogates.
        text = sys.stdin.read()
        text.encode("utf-8")
    except UnicodeError:
        raise Failure(f"{what} read from standard input is not valid UTF-8 text") from None
    except OSError as error:
        # Open but not for reading (nohup started from a terminal leaves it so), or gone.
        reason = error.strerror or str(error)
        raise Failure(f"{what} cannot be read from standard input ({reason})") from None
    # echo, a heredoc or a file ends the text with a line break that is no part of it (text
    # mode has already turned a Windows line end into "\n").
    return text.removesuffix("\n")


def _report(settings: Settings, queued: list[Queued], verb: str) -> int:
    """Print a line per change queued, or per deletion that cancelled unsent changes instead
    (nothing of those reaches the remote, so "queued" would be wrong); a deletion behind a
    create that may have reached the remote says it waits for that; changes for a disabled
    remote say they wait for it (:func:`say_if_disabled`)."""
    for item in queued:
        # Ids come from remotes: printed as ``list`` shows them (and commands take them).
        shown = clean(item.incident_id, single_line=True)
        if item.cancelled:
            done(f"cancelled: the unsent create of {shown} (nothing was sent)")
        elif item.after_sending:
            done(
                f"queued: {verb} {shown} after its create, which may have reached the "
                f"remote, is settled (change {item.seq})"
            )
        else:
            done(f"queued: {verb} {shown} (change {item.seq})")
    say_if_disabled(settings, [item.incident_id for item in queued if not item.cancelled])
    return 0


def _report_status(settings: Settings, call: Any, ids: list[str], verb: str) -> int:
    """Queue a status change: print what was queued, then a line on stderr per incident left
    alone; one kept waiting for the cache says so (:func:`waiting_note`). Status 1 when one
    was refused, its remote unable to make the change included (the others are queued all
    the same), else 0: an incident already where the change leads is no failure."""
    from incident_tui.store.actions import ActionError, StatusRefused

    skipped: tuple[Skipped, ...]
    try:
        with waiting_note():
            result = call(ids)
    except StatusRefused as error:
        queued, skipped = [], error.skipped
    except ActionError as error:
        raise Failure(str(error)) from None
    else:
        queued, skipped = result, result.skipped
    _report(settings, queued, verb)
    for item in skipped:
        # The command line's way to do what the reason asks for (the TUI has a key for it).
        how = f" (incident-tui reopen {item.incident_id})" if item.reopen_first else ""
        print(f"incident-tui: {clean(item.reason + how, single_line=True)}", file=sys.stderr)
    return 1 if any(item.refused for item in skipped) else 0


def cmd_ack(args: argparse.Namespace, settings: Settings) -> int:
    """Queue acknowledging incidents."""
    return _report_status(settings, open_actions(settings).acknowledge, args.ids, "acknowledge")


def cmd_resolve(args: argparse.Namespace, settings: Settings) -> int:
    """Queue resolving incidents."""
    return _report_status(settings, open_actions(settings).resolve, args.ids, "resolve")


def cmd_reopen(args: argparse.Namespace, settings: Settings) -> int:
    """Queue reopening incidents."""
    return _report_status(settings, open_actions(settings).reopen, args.ids, "reopen")


def cmd_comment(args: argparse.Namespace, settings: Settings) -> int:
    """Queue a comment."""
    body = _stdin_text("the comment") if args.message == "-" else args.message
    actions = open_actions(settings)
    queued = run_action(lambda: actions.comment(args.id, body, public=args.public))
    return _report(settings, [queued], "comment on")


def cmd_create(args: argparse.Namespace, settings: Settings) -> int:
    """Queue a new incident."""
    from incident_tui.domain.model import Draft
    from incident_tui.remote.create_refusal import create_refused

    remote = settings.remote(args.remote)
    if refused := create_refused(remote, args.container, args.severity):
        # The sync would refuse it, or create it where the pull never looks: refuse now,
        # before anything is queued.
        raise Failure(refused)
    draft = Draft(
        title=args.title,
        description=(
            _stdin_text("the description") if args.description == "-" else args.description
        ),
        severity=Severity(args.severity) if args.severity else None,
        container=args.container,
    )
    actions = open_actions(settings)
    queued = run_action(actions.create, remote.name, remote.kind, draft)
    return _report(settings, [queued], "create")


def cmd_delete(args: argparse.Namespace, settings: Settings) -> int:
    """Queue deleting incidents, after showing what else goes and asking; with ``--yes``
    neither (the remote is not asked: it may be offline, and nobody would read the answer)."""
    from incident_tui.store.queued import deleted_on_remote

    reader = open_reader(settings)
    for incident_id in args.ids:
        also = f"; nothing was queued for any of the {len(args.ids)} incidents given"
        also = also if args.ids[1:] else ""
        if not reader.exists(incident_id):
            raise Failure(f"no incident {incident_id!r} in the cache{also}")
        why = reader.why_gone(incident_id)
        if why is not None:
            # Before asking: the remote has nothing left to preview or delete.
            raise Failure(f"{deleted_on_remote(incident_id, why)}{also}")
    if not args.yes:
        # Refused before asking the remote: without a terminal nobody can answer.
        if not stdin_is_terminal():
            raise Failure("deleting needs --yes when not run interactively")
        try:
            preview = cli_online.confirm_delete(settings, args.ids)
        except Failure as error:
            preview = f"(could not ask the remote what else would be removed: {error})"
        if preview:
            print(preview)
        if not confirmed(f"Delete {len(args.ids)} incident(s) on their remotes?"):
            print("nothing deleted")
            return 1
    actions = open_actions(settings)
    return _report(settings, [run_action(actions.delete, i) for i in args.ids], "delete")
