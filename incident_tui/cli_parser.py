"""The command line's argument parser: every command of interface.md's table, with help on
each argument, and the checks of argument values that argparse reports as usage errors."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from incident_tui import cli_online
from incident_tui.cli_online import ID_HELP, REMOTE_HELP
from incident_tui.domain.attributes import INTEGER, WHOLE_DIGITS
from incident_tui.domain.handover import MAX_HOURS, positive_hours
from incident_tui.domain.model import KINDS, STATUS_ALIASES, Severity, Status
from incident_tui.domain.query import Sort
from incident_tui.paths import CONFIG_ENV, path_argument


def _csv_words(value: str) -> list[str]:
    """A comma-separated option value as its words. One with none (``--remote ""``, a
    script's unset variable, or ``,``) is wrong usage: taken as no filter at all, it listed
    or synced every remote, status and severity."""
    words = [part.strip() for part in value.split(",") if part.strip()]
    if not words:
        raise argparse.ArgumentTypeError(
            f"{value!r} names nothing: give one or more, comma separated, or leave the "
            "option out for all"
        )
    return words


def _csv_of(allowed: list[str], aliases: Mapping[str, str] | None = None) -> Any:
    """A comma-separated option whose words must be among ``allowed`` or ``aliases`` (each
    read as the word it stands for): another word is wrong usage (exit status 2, as for any
    other bad option), named with what is allowed."""
    aliases = aliases or {}
    want = f"(want {', '.join(allowed)})" + (f"; aliases: {', '.join(aliases)}" if aliases else "")

    def words(value: str) -> list[str]:
        found = [aliases.get(word, word) for word in _csv_words(value)]
        for word in found:
            if word not in allowed:
                raise argparse.ArgumentTypeError(f"unknown {word!r} {want}")
        return found

    return words


def _hours(text: str) -> float:
    """``--hours``: argparse shows the reason of an ArgumentTypeError, not of a ValueError."""
    try:
        return positive_hours(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


LARGEST = 2**63 - 1
"""The largest whole number SQLite stores: a larger one would stop a query with a traceback."""
MOST_SAMPLE = 1_000_000
"""Most sample incidents an emulator makes: more would take minutes to build, and memory."""


def ascii_whole(text: str, otherwise: int) -> int:
    """``text`` as a whole number written in the digits 0-9, else ``otherwise``: int() also
    reads ``1_000`` and Arabic-Indic or full-width digits, which no one means as an option."""
    text = text.strip()
    if not INTEGER.fullmatch(text):
        return otherwise
    if len(text) > WHOLE_DIGITS:
        # Beyond what int() reads, and beyond any bound an option has.
        return -LARGEST - 1 if text.startswith("-") else LARGEST + 1
    return int(text)


def _whole(least: int, most: int = LARGEST) -> Callable[[str], int]:
    """A whole number from ``least`` to ``most``: another is wrong usage (exit status 2)."""

    def whole(text: str) -> int:
        value = ascii_whole(text, least - 1)
        if value > most:
            raise argparse.ArgumentTypeError(f"want a whole number of {most:,} at most, "
                                             f"not {text!r}")
        if value < least:
            raise argparse.ArgumentTypeError(f"want a whole number of {least} or more, "
                                             f"not {text!r}")
        return value

    return whole


_count = _whole(0)
"""``--limit``: zero or more."""
_seq = _whole(1)
"""A change's number in the outbox."""
_sample = _whole(0, MOST_SAMPLE)
"""``--sample``: sample incidents per emulator."""


def _port(text: str) -> int:
    """A TCP port, 0 meaning any free one."""
    value = ascii_whole(text, -1)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"want a port from 0 to 65535, not {text!r}")
    return value


IDS_HELP = "incident ids as 'list' shows them (REMOTE:ID), or the TUI's short ids (INC-42)"
SEQ_HELP = "the change's number in 'outbox'"


LOCATION_TYPES = {
    "--config": path_argument("--config", "the default config file"),
    "--db": path_argument("--db", "the default cache"),
}
"""How ``--config`` and ``--db`` are read, wherever they are taken."""


def _add_locations(parser: argparse.ArgumentParser, default: Any) -> None:
    """``--config`` and ``--db``, taken before the command and after it."""
    parser.add_argument(
        "--config", type=LOCATION_TYPES["--config"], default=default,
        help=f"config file (default: ${CONFIG_ENV}, else "
        "$XDG_CONFIG_HOME/incident-tui/config.toml)",
    )
    parser.add_argument(
        "--db", type=LOCATION_TYPES["--db"], default=default,
        help="local cache file (default: $INCIDENT_TUI_DB, else db in the config, else "
        "$XDG_DATA_HOME/incident-tui/incidents.db)",
    )


def _locations() -> argparse.ArgumentParser:
    """The parent parser of every command that reads the config. Its defaults are
    ``SUPPRESS``: a subparser copies every attribute it has into the main namespace, so an
    ordinary default would wipe out a value given before the command. Given in both places,
    the later one (after the command) wins."""
    parent = argparse.ArgumentParser(add_help=False)
    _add_locations(parent, argparse.SUPPRESS)
    return parent


def _hidden_locations() -> argparse.ArgumentParser:
    """``--config`` and ``--db`` as :func:`_locations` has them, left out of the help."""
    parent = argparse.ArgumentParser(add_help=False)
    for name in ("--config", "--db"):
        parent.add_argument(name, type=LOCATION_TYPES[name], default=argparse.SUPPRESS,
                            help=argparse.SUPPRESS)
    return parent


class _ConfigCommands:
    """Adds the commands that read the config: each also takes ``--config`` and ``--db``
    after its name (:func:`_locations`)."""

    def __init__(
        self,
        sub: argparse._SubParsersAction[argparse.ArgumentParser],
        parent: argparse.ArgumentParser,
    ) -> None:
        self._sub = sub
        self._parent = parent

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        """Add the command ``name`` (keywords as for ``add_subparsers().add_parser``)."""
        return _add_command(self._sub, name, parents=[self._parent], **kwargs)


EMULATE_FAULTS = """\
faults, to see how a client copes (over HTTP, while it runs):
  POST   /_emulator/faults    with a JSON object:
    kind         status, delay, slow, malformed, truncated, drop, hang, endless
                 or bomb (a gzip body that expands to "size" bytes)
    status       the HTTP status a "status" fault answers (default 500)
    retry_after  its Retry-After header
    body         its JSON body (default: the API's own error shape)
    delay        seconds: "delay" waits, "slow" pauses between 10 pieces of
                 the body, "hang" answers nothing for this long (default 60),
                 "endless" sends a byte of its never-ending body this often
                 (default: as fast as it goes)
    size         bytes a "bomb" expands to (default 1073741824: 1 GiB)
    method       only requests of this method (GET, POST, PUT, ...)
    path         only paths this regular expression finds
    times        requests it hits (default 1; -1: until cleared)
  DELETE /_emulator/faults    clear them all
  GET    /_emulator/requests  the requests seen (method, path, status)
example:
  curl -X POST localhost:PORT/_emulator/faults \\
       -d '{"kind": "status", "status": 503, "retry_after": "5", "times": 3}'
"""
"""The ``emulate`` help's last part: the fault endpoints, which only its own help tells."""


def _add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, **kwargs: Any
) -> argparse.ArgumentParser:
    """Add the command ``name``; its one-line ``help`` is also the description its own
    ``--help`` starts with, unless a longer ``description`` is given."""
    kwargs.setdefault("description", kwargs.get("help"))
    return sub.add_parser(name, **kwargs)


class _VersionAction(argparse.Action):
    """``--version``: the installed package's version, looked up only when asked (reading
    the package metadata costs every other command start-up time)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            shown = version("incident-tui")
        except PackageNotFoundError:  # run from a checkout that was never installed
            shown = "(not installed)"
        print(f"incident-tui {shown}")
        parser.exit()


def parse_command_line(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> argparse.Namespace:
    """``parser.parse_args(argv)``, but an unknown option after a command is reported with
    that command's usage (``incident-tui list: error: …``), not the top level's, which
    lists the commands and none of their options."""
    args, extra = parser.parse_known_args(argv)
    command = _commands(parser).get(args.command or "")
    if extra:
        (command or parser).error(f"unrecognized arguments: {' '.join(extra)}")
    own = OWN_LOCATIONS.get(args.command or "")
    given = [f"--{name}" for name in ("config", "db") if getattr(args, name, None) is not None]
    if command is not None and own is not None and given:
        # Taken before the command, they were dropped without a word; after it, refused as
        # unknown, which did not say why.
        command.error(f"{' and '.join(given)} cannot be used with {args.command}: {own}")
    return args


OWN_LOCATIONS = {
    "demo": "the demo makes its own config and cache in a temporary folder",
    "emulate": "an emulator reads no config and keeps its incidents in memory",
}
"""The commands that read neither the config file nor the cache, with why."""


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (interface.md's table)."""
    parser = argparse.ArgumentParser(
        prog="incident-tui",
        description="Terminal console for on-call responders: five incident systems, one "
        "offline-first view. With no command, opens the TUI. --config and --db go before "
        "or after the command.",
    )
    _add_locations(parser, None)
    parser.add_argument("--theme", help="theme for the TUI")
    parser.add_argument(
        "--version", action=_VersionAction, help="show the installed version and exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    reads_config = _ConfigCommands(sub, _locations())

    tui = reads_config.add_parser("tui", help="open the TUI (the default)")
    tui.add_argument("--theme", default=argparse.SUPPRESS, help="theme for the TUI")
    # --config and --db are taken after demo and emulate too, only to be refused with why
    # (parse_command_line): listed in their help, they would read as options they take.
    hidden = _hidden_locations()
    demo = _add_command(
        sub, "demo", help="run the five bundled emulators with sample data and open the TUI",
        parents=[hidden],
    )
    demo.add_argument(
        "--sample", type=_sample, default=300, help="incidents per emulator (default 300)"
    )
    demo.add_argument(
        "--no-tui", action="store_true", help="sync once, print a summary and stop (no TUI)"
    )
    # After the command too (`demo --theme X` was refused as an unknown argument); not
    # given there, the one before the command stays.
    demo.add_argument("--theme", default=argparse.SUPPRESS, help="theme for the TUI")

    sync = reads_config.add_parser(
        "sync",
        help="pull changes and push queued local changes",
        description="Pull changes and push queued local changes. Without --once it keeps "
        "syncing every poll_seconds (from the config) until interrupted.",
    )
    sync.add_argument(
        "--remote",
        type=_csv_words,
        action="extend",
        metavar="NAME",
        help="only this remote (repeatable, or several comma separated)",
    )
    sync.add_argument(
        "--once",
        action="store_true",
        help="one pass, then exit (0 only if all synced); without it, sync every poll_seconds",
    )

    lst = reads_config.add_parser("list", help="list cached incidents, newest first")
    lst.add_argument(
        "--status",
        type=_csv_of([s.value for s in Status], {k: v.value for k, v in STATUS_ALIASES.items()}),
        action="extend",
        default=[],
        help=f"{', '.join(Status)}, or the aliases {', '.join(STATUS_ALIASES)} "
        "(comma-separated or repeated)",
    )
    lst.add_argument(
        "--remote",
        type=_csv_words,
        action="extend",
        default=[],
        metavar="NAME",
        help="only this remote (comma-separated or repeated)",
    )
    lst.add_argument(
        "--severity",
        type=_csv_of([*(s.value for s in Severity), "none"]),
        action="extend",
        default=[],
        help="critical, major, minor, none (comma-separated or repeated)",
    )
    lst.add_argument(
        "--search",
        default="",
        help="full-text search in title, description, comments and the incident number",
    )
    lst.add_argument(
        "--sort",
        choices=[s.value for s in Sort],
        default=Sort.NEWEST.value,
        help="row order (default newest first)",
    )
    lst.add_argument("--limit", type=_count, default=0, help="at most this many rows (0: all)")
    fmt = lst.add_mutually_exclusive_group()
    fmt.add_argument(
        "--json", action="store_true", help="JSON array, one object per incident (see README)"
    )
    fmt.add_argument("--csv", action="store_true", help="CSV with a header line")

    show = reads_config.add_parser("show", help="one incident with its comments")
    show.add_argument("id", help=ID_HELP)
    show.add_argument(
        "--json", action="store_true", help="JSON object with its comments (see README)"
    )
    show.add_argument(
        "--fresh",
        action="store_true",
        help="read it from its remote first (comments others added since the last sync); "
        "the cached copy, with a warning, when the remote cannot be reached or does not "
        f"answer within {cli_online.FRESH_TIMEOUT:g} s",
    )

    status_commands = (
        (
            "ack",
            "acknowledge",
            "Queue acknowledging incidents; the next sync sends it. One already acknowledged "
            "is left as it is; a resolved one is refused (exit status 1): reopen it first, "
            "except on Revily, where resolved is final.",
        ),
        (
            "resolve",
            "resolve",
            "Queue resolving incidents; the next sync sends it. One already resolved is left "
            "as it is.",
        ),
        (
            "reopen",
            "reopen",
            "Queue reopening resolved incidents; the next sync sends it. One that is not "
            "resolved is left as it is.",
        ),
    )
    for name, text, description in status_commands:
        p = reads_config.add_parser(
            name, help=f"queue: {text} incidents", description=description
        )
        p.add_argument("ids", nargs="+", metavar="ID", help=IDS_HELP)

    comment = reads_config.add_parser("comment", help="queue a comment")
    comment.add_argument("id", help=ID_HELP)
    comment.add_argument("--message", "-m", required=True, help="the text ('-' reads stdin)")
    comment.add_argument("--public", action="store_true", help="a public note (OneUptime)")

    create = reads_config.add_parser("create", help="queue a new incident")
    create.add_argument("--remote", required=True, help=REMOTE_HELP)
    create.add_argument("--title", required=True, help="short summary")
    create.add_argument("--description", help="longer text ('-' reads stdin)")
    create.add_argument(
        "--severity", choices=[s.value for s in Severity], help="leave out for the remote's default"
    )
    create.add_argument(
        "--container", help="service / office to create it in, where the remote has several"
    )

    delete = reads_config.add_parser("delete", help="queue deleting incidents")
    delete.add_argument("ids", nargs="+", metavar="ID", help=IDS_HELP)
    delete.add_argument("--yes", action="store_true", help="do not ask")

    outbox = reads_config.add_parser("outbox", help="list queued changes")
    outbox.add_argument("--json", action="store_true", help="JSON array")
    retry = reads_config.add_parser("retry", help="put a refused change back in the queue")
    retry.add_argument("seq", type=_seq, help=SEQ_HELP)
    discard = reads_config.add_parser("discard", help="drop a queued change")
    discard.add_argument("seq", type=_seq, help=SEQ_HELP)
    conflict = reads_config.add_parser("conflict", help="settle a conflict")
    conflict.add_argument("id", help=ID_HELP)
    conflict.add_argument(
        "--keep",
        choices=["mine", "theirs"],
        required=True,
        help="mine: send the local change again; theirs: take the remote's version",
    )

    handover = reads_config.add_parser(
        "handover", help="shift-handover summary of the last N hours"
    )
    handover.add_argument(
        "--hours", type=_hours, default=12.0,
        help=f"how far back, in hours (default 12, at most {MAX_HOURS:g})",
    )
    handover.add_argument(
        "--format", choices=["markdown", "json"], default="markdown", help="default markdown"
    )

    cli_online.add_commands(reads_config)

    emulate = _add_command(
        sub,
        "emulate",
        help="run one bundled emulator in the foreground",
        # Written out with its line breaks: the raw formatter keeps the fault table's.
        description="Run one bundled emulator in the foreground until Ctrl-C. It first prints "
        "its\naddress and a ready-to-paste [[remotes]] table for the config file.",
        epilog=EMULATE_FAULTS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[hidden],
    )
    emulate.add_argument("kind", choices=KINDS, help="which API to serve")
    emulate.add_argument("--port", type=_port, default=0, help="port (default: a free one)")
    emulate.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    emulate.add_argument(
        "--sample", type=_sample, default=200, help="sample incidents (default 200)"
    )
    emulate.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="switch on a documented mode, e.g. typed_values=true (oneuptime), per_page=25 "
        "(revily), get_route=false (aoh_ims); repeatable; VALUE is read as JSON, else as text, "
        "and an unknown NAME lists the known ones",
    )
    return parser
