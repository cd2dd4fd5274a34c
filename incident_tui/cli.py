"""The command line: parse, build settings, call into the layers, print. No logic of its own.

Exit status: 0 success, 1 a failure the user can act on (one line on stderr, no traceback),
2 wrong usage (argparse).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from incident_tui import cli_online
from incident_tui.cli_emulate import EmulateFailure
from incident_tui.cli_online import OnlineFailure
from incident_tui.cli_parser import build_parser
from incident_tui.cli_text import not_utf8
from incident_tui.config_error import ConfigError
from incident_tui.domain.model import LOCAL_ID_PREFIX, Severity, Status
from incident_tui.domain.query import ListQuery, Sort
from incident_tui.store.db import StoreError

if TYPE_CHECKING:
    from incident_tui.config import Settings
    from incident_tui.store.actions import Actions
    from incident_tui.store.queued import Queued, Skipped
    from incident_tui.store.reader import Reader


class Failure(Exception):
    """A failure the user can act on: printed as one line, exit status 1."""


LOCAL_MARK = f":{LOCAL_ID_PREFIX}"
"""What the ids of incidents created here contain until their remote accepts them."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "tui"
    bad = not_utf8(parser, args)
    if bad is not None:
        # Text that is not UTF-8 (bytes in a Latin-1 terminal, say) reaches Python as lone
        # surrogates, which SQLite and every remote refuse with a traceback.
        print(
            f"incident-tui: argument {bad} is not valid UTF-8 text; check the terminal's "
            "or the script's encoding",
            file=sys.stderr,
        )
        return 2
    try:
        if command == "emulate":
            from incident_tui.cli_emulate import run_emulator

            return run_emulator(args)
        if command == "demo":
            from incident_tui.demo import run_demo

            return run_demo(sample=args.sample, tui=not args.no_tui)
        if command == "tui":
            return cmd_tui(args)
        settings = _settings(args)
        _current_ids(args, settings)
        handler = COMMANDS[command]
        return handler(args, settings)
    except (ConfigError, StoreError, Failure, OnlineFailure, EmulateFailure) as error:
        print(f"incident-tui: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("incident-tui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _stdin_text(what: str) -> str:
    """Standard input as text for ``what`` (``--message -``); a failure if it is not UTF-8."""
    try:
        # Strict decoding raises here; under a C locale bad bytes arrive as surrogates.
        text = sys.stdin.read()
        text.encode("utf-8")
    except UnicodeError:
        raise Failure(f"{what} read from standard input is not valid UTF-8 text") from None
    return text


def _current_ids(args: argparse.Namespace, settings: Settings) -> None:
    """Swap a local id that ``create`` printed for the remote's id, once the remote took the
    incident: a script may act on what it kept from ``create`` after a sync. Ids given twice
    (or as both the local and the remote id) count once, in the order first given."""
    if isinstance(getattr(args, "id", None), str) and LOCAL_MARK in args.id:
        args.id = _reader(settings).current_ids([args.id])[0]
    ids = getattr(args, "ids", None)
    if isinstance(ids, list) and any(LOCAL_MARK in i for i in ids):
        ids = _reader(settings).current_ids(ids)
    if isinstance(ids, list):
        args.ids = list(dict.fromkeys(ids))


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"db": args.db, "theme": args.theme}


def _settings(args: argparse.Namespace) -> Settings:
    # Imported here: pydantic-settings costs ~0.2 s, which the TUI's quick start avoids.
    from incident_tui.config import load_settings

    return load_settings(args.config, _overrides(args))


def _reader(settings: Settings) -> Reader:
    from incident_tui.store.reader import Reader

    return Reader.open(settings.db_path())


def _actions(settings: Settings) -> Actions:
    from incident_tui.store.actions import Actions

    return Actions.open(settings.db_path())


def _run_action(call: Any, *values: Any) -> Any:
    from incident_tui.store.actions import ActionError

    try:
        return call(*values)
    except ActionError as error:
        raise Failure(str(error)) from None


def _now() -> Any:
    from incident_tui.clock import system_clock

    return system_clock()


# Commands ----------------------------------------------------------------------------------


def cmd_tui(args: argparse.Namespace) -> int:
    """Open the TUI (settings validated before or, on a quick start, right after the first
    frame; either way a bad config ends with its one line and status 1)."""
    from incident_tui.ui.app import launch_app

    app = launch_app(args.config, _overrides(args))
    app.run()
    return app.return_code or 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    """Print cached incidents."""
    from incident_tui import output

    statuses = set()
    for word in args.status:
        try:
            statuses.add(Status(word))
        except ValueError:
            raise Failure(
                f"unknown status {word!r} (want triggered, acknowledged, resolved)"
            ) from None
    severities: set[Severity | None] = set()
    for word in args.severity:
        if word == "none":
            severities.add(None)
            continue
        try:
            severities.add(Severity(word))
        except ValueError:
            raise Failure(
                f"unknown severity {word!r} (want critical, major, minor, none)"
            ) from None
    if settings.remotes:
        for name in args.remote:
            settings.remote(name)  # an unknown remote is an error, not an empty list
    query = ListQuery(
        statuses=frozenset(statuses),
        remotes=frozenset(args.remote),
        severities=frozenset(severities),
        search=args.search,
        sort=Sort(args.sort),
    )
    reader = _reader(settings)
    limit = args.limit if args.limit > 0 else -1  # SQLite: LIMIT -1 is no limit
    if args.json:
        # One query for rows and the two detail columns the JSON adds: reading each
        # incident's detail instead took 17 s at 100,000 incidents.
        texts = reader.page_with_text(query, 0, limit)
        print(output.dump_json([output.row_json(*row) for row in texts]))
        return 0
    rows = reader.page(query, 0, limit)
    if args.csv:
        sys.stdout.write(output.rows_csv(rows))
    else:
        print(output.rows_table(rows, _now()))
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    """Print one incident."""
    from incident_tui import output

    reader = _reader(settings)
    if args.fresh and reader.exists(args.id):
        from incident_tui.sync.cli_listener import read_fresh

        problem = asyncio.run(read_fresh(settings, args.id))
        if problem is not None:
            print(f"incident-tui: {problem}; showing the cached copy", file=sys.stderr)
    detail = reader.detail(args.id)
    if detail is None:
        raise Failure(f"no incident {args.id!r} in the cache (ids look like REMOTE:ID; see 'list')")
    print(
        output.dump_json(output.detail_json(detail))
        if args.json
        else output.detail_text(detail, _now())
    )
    return 0


def _report(queued: list[Queued], verb: str) -> int:
    for item in queued:
        print(f"queued: {verb} {item.incident_id} (change {item.seq})")
    return 0


def _report_status(call: Any, ids: list[str], verb: str) -> int:
    """Queue a status change: print what was queued, then a line on stderr per incident left
    alone. Status 1 when one was refused (the others are queued all the same), else 0: an
    incident already where the change leads is no failure."""
    from incident_tui.domain.text import clean
    from incident_tui.store.actions import ActionError, StatusRefused

    skipped: tuple[Skipped, ...]
    try:
        result = call(ids)
    except StatusRefused as error:
        queued, skipped = [], error.skipped
    except ActionError as error:
        raise Failure(str(error)) from None
    else:
        queued, skipped = result, result.skipped
    _report(queued, verb)
    for item in skipped:
        # The command line's way to do what the reason asks for (the TUI has a key for it).
        how = f" (incident-tui reopen {item.incident_id})" if item.refused else ""
        print(f"incident-tui: {clean(item.reason + how, single_line=True)}", file=sys.stderr)
    return 1 if any(item.refused for item in skipped) else 0


def cmd_ack(args: argparse.Namespace, settings: Settings) -> int:
    """Queue acknowledging incidents."""
    return _report_status(_actions(settings).acknowledge, args.ids, "acknowledge")


def cmd_resolve(args: argparse.Namespace, settings: Settings) -> int:
    """Queue resolving incidents."""
    return _report_status(_actions(settings).resolve, args.ids, "resolve")


def cmd_reopen(args: argparse.Namespace, settings: Settings) -> int:
    """Queue reopening incidents."""
    return _report_status(_actions(settings).reopen, args.ids, "reopen")


def cmd_comment(args: argparse.Namespace, settings: Settings) -> int:
    """Queue a comment."""
    body = _stdin_text("the comment") if args.message == "-" else args.message
    actions = _actions(settings)
    queued = _run_action(lambda: actions.comment(args.id, body, public=args.public))
    return _report([queued], "comment on")


def cmd_create(args: argparse.Namespace, settings: Settings) -> int:
    """Queue a new incident."""
    from incident_tui.domain.model import Draft

    remote = settings.remote(args.remote)
    draft = Draft(
        title=args.title,
        description=(
            _stdin_text("the description") if args.description == "-" else args.description
        ),
        severity=Severity(args.severity) if args.severity else None,
        container=args.container,
    )
    actions = _actions(settings)
    queued = _run_action(actions.create, remote.name, str(getattr(remote, "kind", "")), draft)
    return _report([queued], "create")


def cmd_delete(args: argparse.Namespace, settings: Settings) -> int:
    """Queue deleting incidents, after showing what else goes and asking."""
    reader = _reader(settings)
    for incident_id in args.ids:
        if not reader.exists(incident_id):
            raise Failure(f"no incident {incident_id!r} in the cache")
    try:
        preview = cli_online.confirm_delete(settings, args.ids)
    except cli_online.OnlineFailure as error:
        preview = f"(could not ask the remote what else would be removed: {error})"
    if preview:
        print(preview)
    if not args.yes:
        if not sys.stdin.isatty():
            raise Failure("deleting needs --yes when not run interactively")
        answer = input(f"Delete {len(args.ids)} incident(s) on their remotes? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    actions = _actions(settings)
    return _report([_run_action(actions.delete, i) for i in args.ids], "delete")


def cmd_outbox(args: argparse.Namespace, settings: Settings) -> int:
    """Print the queued changes."""
    from incident_tui import output
    from incident_tui.domain.text import clean

    rows = _reader(settings).outbox()
    if args.json:
        print(output.dump_json(rows))
        return 0
    if not rows:
        print("no queued changes")
    for row in rows:
        error = f"  ({clean(row['last_error'], single_line=True)})" if row["last_error"] else ""
        print(f"{row['seq']:>6}  {row['state']:<8}  {row['op']:<12}  {row['incident_id']}{error}")
    return 0


def _sync_store(settings: Settings) -> Any:
    from incident_tui.store.engine import make_engine

    return make_engine(settings.db_path())


def cmd_retry(args: argparse.Namespace, settings: Settings) -> int:
    """Requeue a refused change."""
    from incident_tui.sync import outbox_answers

    _run_action(outbox_answers.retry, _sync_store(settings), args.seq)
    print(f"change {args.seq} queued again")
    return 0


def cmd_discard(args: argparse.Namespace, settings: Settings) -> int:
    """Drop a queued change."""
    from incident_tui.sync import outbox_answers

    incident_id = _run_action(outbox_answers.discard, _sync_store(settings), args.seq)
    print(f"change {args.seq} of {incident_id} discarded")
    return 0


def cmd_conflict(args: argparse.Namespace, settings: Settings) -> int:
    """Keep our side or the remote's side of a conflict."""
    from incident_tui.sync import outbox_answers

    settle = outbox_answers.keep_mine if args.keep == "mine" else outbox_answers.take_theirs
    _run_action(settle, _sync_store(settings), args.id)
    print(f"{args.id}: kept {args.keep}")
    return 0


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    """Sync once or every poll_seconds, printing a line per remote."""
    if not settings.remotes:
        raise Failure(f"no remotes configured in {settings.config}")
    remotes = list(dict.fromkeys(args.remote or []))  # a remote named twice syncs once
    for name in remotes:
        settings.remote(name)
    from incident_tui.sync.cli_listener import PrintListener, run_sync

    listener = PrintListener()
    return asyncio.run(run_sync(settings, remotes or None, once=args.once, listener=listener))


def cmd_handover(args: argparse.Namespace, settings: Settings) -> int:
    """Print the shift-handover summary."""
    from incident_tui.domain.handover_render import dump_json, to_markdown
    from incident_tui.store.handover_queries import handover_report

    report = handover_report(
        _reader(settings), now=_now(), hours=args.hours, stale_hours=settings.stale_hours,
        remotes=[remote.name for remote in settings.remotes],
    )
    print(to_markdown(report) if args.format == "markdown" else dump_json(report), end="")
    return 0


COMMANDS = {
    **cli_online.COMMANDS,
    "list": cmd_list,
    "show": cmd_show,
    "ack": cmd_ack,
    "resolve": cmd_resolve,
    "reopen": cmd_reopen,
    "comment": cmd_comment,
    "create": cmd_create,
    "delete": cmd_delete,
    "outbox": cmd_outbox,
    "retry": cmd_retry,
    "discard": cmd_discard,
    "conflict": cmd_conflict,
    "sync": cmd_sync,
    "handover": cmd_handover,
}


if __name__ == "__main__":
    raise SystemExit(main())
