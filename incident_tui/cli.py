"""The command line: parse, build settings, call into the layers, print. No logic of its own.

Exit status: 0 success, 1 a failure the user can act on (one line on stderr, no traceback),
2 wrong usage (argparse).

Here are the dispatch and the commands that read the cache, sync or open the TUI; those that
queue a change are in :mod:`.cli_changes`, those on the queued changes in :mod:`.cli_outbox`
and those that need a remote now in :mod:`.cli_online`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from incident_tui import cli_online
from incident_tui.cli_changes import (
    cmd_ack,
    cmd_comment,
    cmd_create,
    cmd_delete,
    cmd_reopen,
    cmd_resolve,
)
from incident_tui.cli_emulate import EmulateFailure
from incident_tui.cli_encoding import fit_stream
from incident_tui.cli_ids import whole_ids
from incident_tui.cli_outbox import cmd_conflict, cmd_discard, cmd_outbox, cmd_retry
from incident_tui.cli_parser import build_parser, parse_command_line
from incident_tui.cli_stderr import quiet_stderr
from incident_tui.cli_stdout import GuardedStdout, OutputError, guarded_stdout, not_essential
from incident_tui.cli_store import Failure, open_reader, remote_spelling
from incident_tui.cli_text import not_utf8
from incident_tui.config_error import ConfigError
from incident_tui.domain.model import Severity, Status
from incident_tui.domain.query import ListQuery, Sort
from incident_tui.domain.text import clean
from incident_tui.store.db import StoreError
from incident_tui.store.sqlite_errors import cache_errors

if TYPE_CHECKING:
    from incident_tui.config import Settings
    from incident_tui.store.reader import Reader


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    # Under a locale that is not UTF-8, a character its charset lacks (the "…" of a cut
    # title) ended the command with a traceback; the TUI drew it as "\u2026", six columns
    # wide, throwing the rows out of line.
    fit_stream(sys.stderr)
    fit_stream(sys.stdout, keep_bytes=True)
    # Every line for stderr goes there or nowhere: closed, it sent them into stdout's data.
    with quiet_stderr():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    stdout = GuardedStdout(None)
    try:
        # --help and --version print while parsing and end there: their output may fail as
        # any command's. The guard is gone again before the TUI finds stdout.
        with guarded_stdout() as stdout:
            try:
                args = parse_command_line(parser, argv)
            finally:
                sys.stdout.flush()
        command = args.command or "tui"
        bad = not_utf8(parser, args)
        if bad is not None:
            # Text that is not UTF-8 (bytes in a Latin-1 terminal, say) reaches Python as
            # lone surrogates, which SQLite and every remote refuse with a traceback.
            print(
                f"incident-tui: argument {bad} is not valid UTF-8 text; check the terminal's "
                "or the script's encoding",
                file=sys.stderr,
            )
            return 2
        if command == "tui" or (command == "demo" and not args.no_tui):
            # The TUI draws on stderr and leaves stdout to Textual as it finds it.
            return _run(command, args)
        if getattr(args, "json", False) or getattr(args, "format", None) == "json":
            fit_stream(sys.stdout, json_output=True)
        with guarded_stdout() as stdout:
            status = _run(command, args)
            # Output kept back in the buffer fails here, where it is reported, and not
            # unseen at the exit.
            sys.stdout.flush()
        if stdout.lost is not None:
            # Lost after the work was done (stderr said what stands): the status is the
            # command's, or a script that retries on failure would do it all again.
            stdout.silence()
        return status
    except OutputError as error:
        print(f"incident-tui: cannot write to standard output: {error}", file=sys.stderr)
        stdout.silence()
        return 1
    except (ConfigError, StoreError, Failure, EmulateFailure) as error:
        # Errors quote remote ids and text: cleaned, as everything of theirs printed.
        print(f"incident-tui: {clean(str(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("incident-tui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(command: str, args: argparse.Namespace) -> int:
    """Run ``command``; its exit status."""
    if command == "tui":
        no_terminal("scripts use the commands: list, show, sync… (incident-tui --help)")
        return cmd_tui(args)
    if command == "emulate":
        from incident_tui.cli_emulate import run_emulator

        return run_emulator(args)
    if command == "demo":
        from incident_tui.demo import run_demo

        if not args.no_tui:
            no_terminal("demo --no-tui syncs the demo once and prints what it did")
        return run_demo(sample=args.sample, tui=not args.no_tui, theme=args.theme)
    show_warnings()
    settings = _settings(args)
    from incident_tui.config_permissions import warn_exposed_secret

    warn_exposed_secret(settings.config)
    handler = COMMANDS[command]
    # The reader runs sqlite3 itself: a damaged page deep in the cache, which opened
    # fine, is met only when a command reads it.
    with cache_errors(settings.db_path()):
        whole_ids(args, settings)
        _configured_names(args, settings)
        return handler(args, settings)


def _configured_names(args: argparse.Namespace, settings: Settings) -> None:
    """The remote names of a command's arguments (``--remote``, ``stale REMOTE``...) as the
    config spells them: typed in any case, they name the same remote, and its cached rows,
    pauses and queued changes are kept under the configured name."""
    given = getattr(args, "remote", None)
    if isinstance(given, str):
        args.remote = settings.remote_name(given)
    elif isinstance(given, list):
        args.remote = [settings.remote_name(name) for name in given]


class _WarningLines(logging.Handler):
    """Prints the package's warnings as the command line's other lines are printed."""

    def emit(self, record: logging.LogRecord) -> None:
        # A warning may quote a remote's text: no control character reaches the terminal.
        # sys.stderr as it is now, not when the handler was made: tests capture it.
        print(f"incident-tui: {clean(record.getMessage(), single_line=True)}", file=sys.stderr)


def show_warnings() -> None:
    """Print the package's warnings on stderr as ``incident-tui: …`` lines (once set up).

    Not for the TUI, which draws on stderr: there they stay with logging's defaults."""
    logger = logging.getLogger("incident_tui")
    if not any(isinstance(h, _WarningLines) for h in logger.handlers):
        logger.addHandler(_WarningLines(logging.WARNING))


def terminal_streams() -> list[str]:
    """Which of the streams the TUI needs are not a terminal: stdin (its keys) and stderr
    (Textual draws there, so that stdout stays free)."""
    return [
        name
        for name, stream in (("stdin", sys.__stdin__), ("stderr", sys.__stderr__))
        if stream is None or not stream.isatty()
    ]


def no_terminal(advice: str) -> None:
    """Raise :class:`Failure` when the TUI could not run here: without a terminal it waited
    for keys that never came and drew its screens into whatever file took them; on a dumb
    one (``TERM=dumb``) it drew them as escape sequences the terminal printed as text."""
    missing = terminal_streams()
    if missing:
        which = f"{missing[0]} is not one" if len(missing) == 1 else "stdin and stderr are not"
        raise Failure(f"the TUI needs a terminal, but {which}; {advice}")
    if os.environ.get("TERM", "").strip().lower() == "dumb":
        # A dumb terminal (Emacs' M-x shell, an IDE's console) cannot place the cursor nor
        # tell keys apart: the TUI's screens came out as a stream of escape sequences.
        raise Failure(
            "the TUI needs a terminal that can place the cursor, but TERM is dumb; open it in "
            f"a terminal emulator (or set TERM to what yours is, xterm-256color say); {advice}"
        )


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"db": args.db, "theme": args.theme}


def _settings(args: argparse.Namespace) -> Settings:
    # Imported here: pydantic-settings costs ~0.2 s, which the TUI's quick start avoids.
    from incident_tui.config import load_settings

    return load_settings(args.config, _overrides(args))


def _now() -> datetime:
    from incident_tui.clock import system_clock

    return system_clock()


# Commands ----------------------------------------------------------------------------------


def cmd_tui(args: argparse.Namespace) -> int:
    """Open the TUI (settings validated before or, on a quick start, right after the first
    frame; either way a bad config ends with its one line and status 1)."""
    from incident_tui.ui.app import run_tui

    return run_tui(args.config, _overrides(args))


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    """Print cached incidents."""
    from incident_tui import output

    # The parser let only known words through.
    statuses = {Status(word) for word in args.status}
    severities = {None if word == "none" else Severity(word) for word in args.severity}
    reader = open_reader(settings)
    if not settings.remotes and reader.count(ListQuery()) == 0:
        # A first run with the config file elsewhere printed a bare header, and nothing said
        # why; on stderr, so a script reading the list gets it as ever.
        print(f"incident-tui: the cache is empty: {settings.no_remotes()}", file=sys.stderr)
    # A remote taken out of the config leaves its incidents in the cache, and they are
    # listed: its name still picks them out, in any case as a configured one's does.
    remotes = list(map(remote_spelling(settings, reader), args.remote))
    if settings.remotes:
        cached = {state.name for state in reader.remotes()}
        for name in remotes:
            if name not in cached:
                settings.remote(name)  # an unknown remote is an error, not an empty list
    query = ListQuery(
        statuses=frozenset(statuses),
        remotes=frozenset(remotes),
        severities=frozenset(severities),
        search=args.search,
        sort=Sort(args.sort),
    )
    limit = args.limit if args.limit > 0 else -1  # SQLite: LIMIT -1 is no limit
    # Each row is written as soon as it is made: building the whole text first took 490 MB
    # and 3 s at 100,000 incidents.
    if args.json:
        # One query for rows and the two detail columns the JSON adds: reading each
        # incident's detail instead took 17 s at 100,000 incidents.
        texts = reader.rows_with_text(query, limit)
        # A write per piece: each holds hundreds of incidents already, and gathering pieces
        # as _write does would hold most of the output.
        for piece in output.json_array(output.row_json(*row) for row in texts):
            sys.stdout.write(piece)
        sys.stdout.write("\n")
        return 0
    rows = reader.rows(query, limit)
    if args.csv:
        _write(output.csv_lines(rows, terminal=sys.stdout.isatty()))
    else:
        _write(line + "\n" for line in output.table_lines(rows, _now()))
    return 0


def _write(pieces: Iterable[str], end: str = "") -> None:
    """Write ``pieces`` of text, then ``end``, to stdout, some hundred at a time: one write a
    piece costs a flush each on a line-buffered terminal."""
    it = iter(pieces)
    while batch := list(islice(it, 256)):
        sys.stdout.write("".join(batch))
    sys.stdout.write(end)


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    """Print one incident."""
    from incident_tui import output

    reader = open_reader(settings)
    if args.fresh and reader.exists(args.id):
        problem = cli_online.read_fresh(settings, args.id)
        if problem is not None and not reader.exists(args.id):
            # Read as deleted on the remote, and nothing of the user's kept it.
            raise Failure(f"{problem}; it is no longer in the cache either")
        if problem is not None:
            print(f"incident-tui: {problem}; showing the cached copy", file=sys.stderr)
    detail = reader.detail(args.id)
    if detail is None:
        raise Failure(
            f"no incident {args.id!r} in the cache "
            "(ids look like REMOTE:ID, or the short id the TUI shows; see 'list')"
        )
    print(
        output.dump_json(output.detail_json(detail))
        if args.json
        else output.detail_text(detail, _now())
    )
    return 0


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    """Sync once or every poll_seconds, printing a line per remote."""
    if not settings.remotes:
        raise Failure(settings.no_remotes())
    remotes = list(dict.fromkeys(args.remote or []))  # a remote named twice syncs once
    for name in remotes:
        settings.remote(name)
    from incident_tui.sync.cli_listener import PrintListener, run_sync

    configured = {remote.name for remote in settings.remotes}
    reader = open_reader(settings, new=True)
    # Counted from the outbox itself: a remote that never synced has no state row.
    counts = reader.queued_by_remote()
    for name, count in sorted(counts.items()):
        if name not in configured:
            # Said each time: nothing else would ever tell that these wait for good.
            changes = "change stays" if count == 1 else "changes stay"
            print(
                f"incident-tui: {count} queued {changes} unsent: remote "
                f"{name!r} is not in the config (put it back, or discard them: "
                "see 'incident-tui outbox')",
                file=sys.stderr,
            )
    for remote in settings.remotes:
        # Not synced unless named: its changes wait as long as the config says so.
        if not remote.enabled and remote.name not in remotes:
            _say_disabled_waits(reader, remote.name)
    reader.close()
    # What it prints only tells how the passes go: losing it stops neither the pushes nor
    # the pulls, and the exit status stays the passes' own.
    not_essential("the sync goes on without printing its lines")
    listener = PrintListener()
    return asyncio.run(run_sync(settings, remotes or None, once=args.once, listener=listener))


def _say_disabled_waits(reader: Reader, name: str) -> None:
    """Say on stderr what of the outbox waits for remote ``name``, disabled in the config and
    not synced: the changes a sync naming it would send, and apart from them those refused
    or in conflict (and those held behind them), which only the user's answer moves on."""
    from incident_tui.sync.cli_listener import count_waiting

    rows = [(row["incident_id"], row["state"]) for row in reader.outbox(name)]
    refused, conflicts, held = count_waiting(rows)
    queued = len(rows) - refused - conflicts - held
    if queued:
        changes = "change stays" if queued == 1 else "changes stay"
        print(
            f"incident-tui: {queued} queued {changes} unsent: remote {name!r} is disabled in "
            f"the config (enabled = false; enable it, or send {'it' if queued == 1 else 'them'} "
            f"with 'incident-tui sync --once --remote {name}')",
            file=sys.stderr,
        )
    answer = refused + conflicts + held
    if answer:
        # No sync sends these, named or not: saying one would mislead into waiting for it.
        parts = [f"{refused} refused"] if refused else []
        parts += [f"{conflicts} in conflict"] if conflicts else []
        behind = "it" if refused + conflicts == 1 else "them"
        parts += [f"{held} held behind {behind}"] if held else []
        changes = "change of" if answer == 1 else "changes of"
        settle = ", or 'incident-tui conflict' for one in conflict" if conflicts else ""
        print(
            f"incident-tui: {answer} {changes} remote {name!r} wait{'s' if answer == 1 else ''} "
            f"for your answer, not for a sync ({', '.join(parts)}): see 'incident-tui outbox' "
            f"to retry or discard {'it' if answer == 1 else 'them'}{settle}",
            file=sys.stderr,
        )


def cmd_handover(args: argparse.Namespace, settings: Settings) -> int:
    """Print the shift-handover summary."""
    from incident_tui.domain.handover_render import dump_json, to_markdown
    from incident_tui.store.handover_queries import handover_report

    report = handover_report(
        open_reader(settings), now=_now(), hours=args.hours, stale_hours=settings.stale_hours,
        remotes=[remote.name for remote in settings.remotes],
        disabled=[remote.name for remote in settings.remotes if not remote.enabled],
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
