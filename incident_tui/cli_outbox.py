"""Commands on the queued changes: print them, queue a refused one again, drop one, and
settle a conflict by keeping our side or the remote's."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from incident_tui.cli_stdout import done
from incident_tui.cli_store import open_reader, open_sync_store, run_action
from incident_tui.domain.model import ChangeKind
from incident_tui.domain.text import clean

if TYPE_CHECKING:
    from incident_tui.config import Settings


OP_WIDTH = max(len(op) for op in ChangeKind)
"""The widest change name (``delete_attachment``): the ids after it stay in one column."""
ANSWER_STATES = ("failed", "conflict")
"""States of a change that waits for the user's answer (``sync.outbox.BLOCKING_STATES``,
not imported: that module brings SQLModel, which this quick read does without)."""


def cmd_outbox(args: argparse.Namespace, settings: Settings) -> int:
    """Print the queued changes."""
    from incident_tui import output
    from incident_tui.clock import from_db_or_none, system_clock, time_of_day
    from incident_tui.store.pauses import STORAGE_WAIT

    rows = open_reader(settings).outbox()
    behind = held_behind(rows)
    if args.json:
        print(output.dump_json(
            [{**_payload_decoded(row), "held_behind": behind.get(row["seq"])} for row in rows]
        ))
        return 0
    if not rows:
        print("no queued changes")
    now = system_clock()
    for row in rows:
        why = [clean(row["last_error"], single_line=True)] if row["last_error"] else []
        not_before = from_db_or_none(row["next_try_at"])
        if not_before is not None and not_before > now:
            payload = _payload_decoded(row)["payload"]
            # A pause the attachment storage asked for holds the uploads alone.
            storage = isinstance(payload, dict) and payload.get(STORAGE_WAIT)
            who = "the attachment storage" if storage else "the remote"
            why.append(f"{who} asked to wait until {time_of_day(not_before)}")
        if (ahead := behind.get(row["seq"])) is not None:
            why.append(f"held behind change {ahead}, which waits for your answer")
        error = f"  ({'; '.join(why)})" if why else ""
        print(
            f"{row['seq']:>6}  {row['state']:<8}  {row['op']:<{OP_WIDTH}}  "
            f"{clean(row['incident_id'], single_line=True)}{error}"
        )
    return 0


def held_behind(rows: list[dict[str, Any]]) -> dict[int, int]:
    """For each queued change of ``rows`` (the outbox in push order) that no sync sends until
    an earlier change of its incident, refused or contested, is answered: that change's
    number, by the held change's (the sync sends an incident's changes strictly in order)."""
    first: dict[str, int] = {}
    held: dict[int, int] = {}
    for row in rows:
        if row["state"] in ANSWER_STATES:
            # One refused behind another says its own reason: it waits for its own answer.
            first.setdefault(row["incident_id"], row["seq"])
        elif (ahead := first.get(row["incident_id"])) is not None:
            held[row["seq"]] = ahead
    return held


def _payload_decoded(row: dict[str, Any]) -> dict[str, Any]:
    """An outbox row with its payload (stored as JSON text) as the value it holds, so a
    script reads it in one go; a payload that is no JSON (a damaged cache) stays text."""
    try:
        payload = json.loads(row["payload"])
    except (TypeError, ValueError):
        return row
    return {**row, "payload": payload}


def cmd_retry(args: argparse.Namespace, settings: Settings) -> int:
    """Requeue a refused change."""
    from incident_tui.sync import outbox_answers

    run_action(outbox_answers.retry, open_sync_store(settings), args.seq)
    done(f"change {args.seq} queued again")
    return 0


def cmd_discard(args: argparse.Namespace, settings: Settings) -> int:
    """Drop a queued change."""
    from incident_tui.sync import outbox_answers

    incident_id = run_action(outbox_answers.discard, open_sync_store(settings), args.seq)
    done(clean(f"change {args.seq} of {incident_id} discarded", single_line=True))
    return 0


def cmd_conflict(args: argparse.Namespace, settings: Settings) -> int:
    """Keep our side or the remote's side of a conflict."""
    from incident_tui.sync import outbox_answers

    settle = outbox_answers.keep_mine if args.keep == "mine" else outbox_answers.take_theirs
    run_action(settle, open_sync_store(settings), args.id)
    done(clean(f"{args.id}: kept {args.keep}", single_line=True))
    return 0
