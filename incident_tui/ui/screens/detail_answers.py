"""The detail screen's answers to a refused or contested change: retry or discard a change
the remote refused; keep mine or take theirs when the remote changed the incident under a
local edit.

A mixin of ``DetailScreen`` over :mod:`~incident_tui.ui.screens.detail_features`. The
answers are :mod:`incident_tui.sync.outbox_answers`, run through the intents in a thread
worker; the screen re-reads the incident when they land. Discarding and taking theirs throw
local work away, so they ask first (``y`` only). Retrying and keeping mine ask the sync loop
to push at once: the user has just said the change should go.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textual.content import Content

from incident_tui.domain.gone import gone_words
from incident_tui.domain.model import ChangeKind
from incident_tui.domain.text import clean
from incident_tui.ui.format import value_text
from incident_tui.ui.screens.detail_features import FeatureActions

if TYPE_CHECKING:
    from incident_tui.store.reader import Detail

ANSWERS = ("retry_change", "discard_change", "keep_mine", "take_theirs")
"""The actions of this mixin (the screen asks :func:`answerable` whether each applies)."""

NOT_APPLICABLE = {
    "retry_change": "No refused change of this incident to retry.",
    "discard_change": "No refused change of this incident to discard.",
    "keep_mine": "This incident has no conflict to settle.",
    "take_theirs": "This incident has no conflict to settle.",
}
"""What a key of this mixin says when there is nothing for it to act on."""

SENT_NOWHERE = {
    "retry_change": (
        "This incident {gone}, so a refused change of it cannot be sent again: take theirs "
        "to let it go, or discard the change."
    ),
    "keep_mine": (
        "This incident {gone}, so your changes to it cannot be sent: take theirs to let it "
        "go, or discard them."
    ),
}
"""What the answers that send a change again say on an incident deleted on the remote (or
not on the system its remote now points at: ``{gone}``): nothing is left there to send it
to."""


def refused(detail: Detail) -> list[Mapping[str, Any]]:
    """The incident's changes the remote refused (they wait for retry or discard)."""
    return [c for c in detail.changes if c.get("state") == "failed"]


def answerable(action: str, detail: Detail) -> bool:
    """Whether ``action`` has something to act on: a refused change, or a conflict; and,
    for those that send it again, somewhere to send it (not an incident deleted on the
    remote)."""
    if action in SENT_NOWHERE and detail.incident.get("remote_deleted"):
        return False
    if action in ("retry_change", "discard_change"):
        return bool(refused(detail))
    return bool(detail.incident.get("conflict"))


def why_not_answer(action: str, detail: Detail) -> str | None:
    """Why the answer ``action`` does not apply to the incident of ``detail``."""
    if action in SENT_NOWHERE and detail.incident.get("remote_deleted"):
        return SENT_NOWHERE[action].format(gone=_gone(detail))
    return NOT_APPLICABLE.get(action)


def _gone(detail: Detail) -> str:
    """What happened to the incident of ``detail``, kept as gone from its remote."""
    return gone_words(detail.incident.get("conflict"))


def change_choice(change: Mapping[str, Any]) -> Content:
    """One refused change as a line of a picker: number, operation and the remote's reason."""
    return Content.assemble(
        (f"#{change.get('seq')}  ", "$foreground-muted"),
        (clean(change.get("op"), single_line=True), "bold"),
        "  ",
        (value_text(change.get("last_error"), limit=80), "$mark-failed"),
    )


class ChangeAnswers(FeatureActions):
    """Retry, discard, keep mine, take theirs, on the incident the detail screen holds (with
    the dialogs of :class:`FeatureActions`)."""

    def action_retry_change(self) -> None:
        """Send a refused change again (chosen if there are several)."""
        detail = self.detail
        if detail is None or not answerable("retry_change", detail):
            why = why_not_answer("retry_change", detail) if detail else None
            self.notify(why or NOT_APPLICABLE["retry_change"], markup=False)
            return
        items = refused(detail)

        def retry(change: Mapping[str, Any]) -> None:
            # A retried delete hides the incident again, as deleting it here did: back to
            # the list, rather than a screen that says it is no longer in the cache.
            deleting = change.get("op") == ChangeKind.DELETE.value
            done = self._retried_delete if deleting else self._push_soon
            self.ctx.intents.retry_change(self.incident_id, int(change["seq"]), done=done)

        self._pick(self._question("Retry which refused change of "), items, change_choice, retry)

    def action_discard_change(self) -> None:
        """Drop a refused change (chosen if there are several), after asking."""
        detail = self.detail
        items = refused(detail) if detail else []
        if detail is None or not items:
            self.notify(NOT_APPLICABLE["discard_change"], markup=False)
            return
        # Kept in the cache only for its changes: without the last of them it goes, as
        # taking theirs lets it go.
        gone = bool(detail.incident.get("remote_deleted"))
        last = gone and len(detail.changes) == 1

        def discard(change: Mapping[str, Any]) -> None:
            seq = int(change["seq"])
            created = change.get("op") == ChangeKind.CREATE.value
            if created:
                after = "The incident was never created on the remote: it goes from the cache."
            elif last:
                after = (
                    f"The incident {_gone(detail)} and this is its last change: it goes from "
                    "the cache."
                )
            elif gone:
                after = (
                    f"The incident {_gone(detail)}: it stays in the cache while its other "
                    "changes wait."
                )
            else:
                after = "The incident is read again from the remote at the next sync."
            question = Content.assemble(
                ("Discard ", "bold"),
                (f"change #{seq} ({clean(change.get('op'), single_line=True)})", "bold $error"),
                " of ",
                self._incident_name(),
                "?\nThe remote refused it: ",
                (value_text(change.get("last_error"), limit=200), "$mark-failed"),
                "\n" + after,
            )
            done = self._deleted if created or last else None
            self._confirm(
                question,
                lambda: self.ctx.intents.discard_change(self.incident_id, seq, done=done),
            )

        self._pick(
            self._question("Discard which refused change of "), items, change_choice, discard
        )

    def action_keep_mine(self) -> None:
        """Settle the conflict for the local side: push the change over the remote's."""
        detail = self.detail
        if detail is None or not answerable("keep_mine", detail):
            why = why_not_answer("keep_mine", detail) if detail else None
            self.notify(why or NOT_APPLICABLE["keep_mine"], markup=False)
            return
        self.ctx.intents.keep_mine(self.incident_id, done=self._push_soon)

    def action_take_theirs(self) -> None:
        """Settle the conflict for the remote's side, dropping the local change, after
        asking."""
        detail = self.detail
        if not (detail and detail.incident.get("conflict")):
            self.notify(NOT_APPLICABLE["take_theirs"], markup=False)
            return
        gone = bool(detail.incident.get("remote_deleted"))
        # An incident deleted on the remote goes with all its changes, refused ones too.
        contested = [
            clean(c.get("op"), single_line=True) for c in detail.changes
            if gone or c.get("state") == "conflict"
        ]
        dropped = ", ".join(contested) if contested else "the contested change"
        question = Content.assemble(
            ("Take the remote's side of ", "bold"),
            (self._incident_name(), "bold $error"),
            "?\nYour local change is dropped: ",
            (dropped, "bold"),
            "\n"
            + (
                f"The incident {_gone(detail)}: it goes from the cache."
                if gone
                else "The incident shows the remote's values."
            ),
        )
        done = self._deleted if gone else None
        self._confirm(
            question, lambda: self.ctx.intents.take_theirs(self.incident_id, done=done)
        )

    def _deleted(self) -> None:
        """The incident left the cache (deleted, or its never-sent creation discarded): back
        to the list."""
        if self.is_current:
            self.app.pop_screen()

    def _retried_delete(self) -> None:
        """A refused delete was put back in the queue: send it soon, back to the list."""
        self._push_soon()
        self._deleted()

    def _push_soon(self) -> None:
        """Ask the sync loop for a pass now, if it runs (the change was just put back)."""
        runner = getattr(self.app, "runner", None)
        if runner is not None and runner.available:
            runner.sync_now()
