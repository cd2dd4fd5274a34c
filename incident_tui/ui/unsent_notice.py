"""The notice for changes a pass could not send and that now wait for the user: refused by
the remote, or contested by its own change to the same fields.

The list marks such an incident (``✗`` refused, ``!`` conflict), but a responder who
acknowledged from the detail screen and moved on, or whose row scrolled away, would
otherwise not learn that the change did not go out: a queued count alone reads as "it will".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from incident_tui.domain.text import clean, counted, shorten
from incident_tui.sync.events import Unsent
from incident_tui.ui.widgets.rows import CONFLICT_MARK, FAILED_MARK, short_label, state_mark

if TYPE_CHECKING:
    from incident_tui.store.reader import ListRow

NAMED = 3
"""Changes named in one notice; the rest are counted."""
TITLE_LENGTH = 48
"""Characters of an incident's title shown (as in the notice of new urgent incidents)."""
REASON_LENGTH = 90
"""Characters of the remote's reason shown per change (the detail screen shows it whole)."""


def unsent_notice(
    remote: str, unsent: Sequence[Unsent], rows: Mapping[str, ListRow] | None = None
) -> str:
    """What to tell the user about ``remote``'s pass leaving ``unsent`` changes for them:
    a head line, each change (what, on which incident by the list's short id and title from
    ``rows`` when cached, and the remote's reason), and where to answer them."""
    rows = rows or {}
    name = clean(remote, single_line=True)
    refused = [u for u in unsent if not u.contested]
    contested = [u for u in unsent if u.contested]
    heads = []
    if refused:
        heads.append(f"refused {_changes(len(refused))}")
    if contested:
        heads.append(f"found {_changes(len(contested))} in conflict with its own")
    lines = [f"{name} {' and '.join(heads)}:"]
    for change in unsent[:NAMED]:
        op = change.op.replace("_", " ")
        row = rows.get(change.incident_id)
        if row is None:
            what = clean(change.incident_id, single_line=True)
        else:
            title = shorten(clean(row.title, single_line=True), TITLE_LENGTH)
            what = f"{short_label(row.ref, row.remote_id)} · {title}"
        reason = shorten(clean(change.reason, single_line=True), REASON_LENGTH)
        lines += [f"{op} {what}", f"  {reason}"]
    if len(unsent) > NAMED:
        lines.append(f"and {len(unsent) - NAMED} more")
    answers = dict.fromkeys(_answer(change, rows.get(change.incident_id)) for change in unsent)
    lines += sorted(answers, key=ANSWERS.index)
    return "\n".join(lines)


ANSWERS = (
    f"Open the incident (marked {FAILED_MARK}) to retry or discard.",
    f"Open the incident (marked {CONFLICT_MARK}) to retry or discard.",
    f"Open the incident no longer on its remote (marked {CONFLICT_MARK}) to take theirs or "
    "discard.",
    f"Open the incident (marked {CONFLICT_MARK}) to keep yours or take theirs.",
)
"""Where the user answers unsent changes, in the order the notice names them: a refusal
(its incident marked as refused, or in conflict too, as the list shows it), a refusal of
an incident gone from the remote, a conflict."""


def _answer(change: Unsent, row: ListRow | None) -> str:
    """The line of :data:`ANSWERS` that tells where and how ``change`` is answered: under
    the mark its incident's row shows (``row``, when cached), with the answers that can work
    there (a retry cannot on an incident the remote deleted)."""
    if change.contested:
        return ANSWERS[3]
    if change.gone:
        return ANSWERS[2]
    conflict = row is not None and state_mark(row) == CONFLICT_MARK
    return ANSWERS[1] if conflict else ANSWERS[0]


def _changes(count: int) -> str:
    return "a change" if count == 1 else counted(count, "change")
