"""The incident ids a command is given, made whole before it runs.

Scripts copy whole ids (``REMOTE:ID``) from ``list``; a responder types what the TUI shows:
the short id (``INC-0300``, or a UUID's first eight digits), with or without the remote's
name in front. Each id given that the cache does not hold as such is looked up as such a
short id and replaced when it names exactly one incident; so is an id a remote sent with
control characters, given as ``list`` printed it (cleaned). Several are refused with the
candidates, so a command never acts on a guess. A local id that ``create`` printed becomes
the remote's id once the remote took the incident.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from incident_tui.cli_store import Failure, open_reader, remote_spelling
from incident_tui.domain.text import clean

if TYPE_CHECKING:
    import argparse

    from incident_tui.config import Settings
    from incident_tui.store.reader import Reader

SHOWN_CANDIDATES = 5
"""Most candidates an ambiguous short id's error names."""


def whole_ids(args: argparse.Namespace, settings: Settings) -> None:
    """Make the ``id`` or ``ids`` of a command's arguments whole ids (see the module's
    docstring). Ids given twice (or as both a short and a whole id) count once, in the order
    first given. An id that names nothing is left as given: the command says so."""
    single = getattr(args, "id", None)
    several = getattr(args, "ids", None)
    given = [single] if isinstance(single, str) else several if isinstance(several, list) else []
    if not given:
        return
    reader = open_reader(settings)
    try:
        spelled = remote_spelling(settings, reader)
        ids = [whole_id(reader, i, spelled) for i in reader.current_ids(given)]
    finally:
        reader.close()
    if isinstance(single, str):
        args.id = ids[0]
    else:
        args.ids = list(dict.fromkeys(ids))


def whole_id(
    reader: Reader, given: str, remote_name: Callable[[str], str] = str
) -> str:
    """The whole id ``given`` names: itself when the cache holds it, else the one incident
    whose short id it is (``REMOTE:SHORT`` or ``SHORT``); ``Failure`` when it is several.
    ``remote_name`` spells a remote's name typed in any case as the config or the cache does
    (:func:`~incident_tui.cli_store.remote_spelling`)."""
    if reader.exists(given):
        return given
    remote, colon, label = given.partition(":")
    if colon and (named := remote_name(remote)) != remote:
        if reader.exists(f"{named}:{label}"):
            return f"{named}:{label}"
        remote = named
    # ``REMOTE:SHORT`` first; else the whole text as a short id of any remote (a colon may
    # be part of a remote's own id).
    found = reader.ids_shown_as(label, remote, SHOWN_CANDIDATES + 1) if colon else []
    if not found:
        found = reader.ids_shown_as(given, None, SHOWN_CANDIDATES + 1)
    if not found:
        found = reader.ids_printed_as(given, SHOWN_CANDIDATES + 1)
    if len(found) == 1:
        return found[0]
    if found:
        # Ids come from remotes: cleaned, as everything of theirs a terminal shows.
        named = ", ".join(clean(i, single_line=True) for i in found[:SHOWN_CANDIDATES])
        more = ", …" if len(found) > SHOWN_CANDIDATES else ""
        raise Failure(
            f"{given!r} is the short id of several incidents ({named}{more}); give the whole id"
        )
    return given
