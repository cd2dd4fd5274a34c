"""A dialog's link to its :class:`~incident_tui.ui.drafts.Drafts` entry: saved shortly after
typing stops and at once on cancel or send."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual.screen import Screen
from textual.timer import Timer

from incident_tui.ui.drafts import Drafts, Fields

SAVE_AFTER = 0.5
"""Seconds of quiet typing before the draft is written (not one write per keystroke)."""

KEPT_NOTICE = "Draft kept: it comes back when you open this again."


class DraftKeeper:
    """Keeps what ``fields`` returns under ``key`` (``None``: the dialog has nothing to say
    yet, leave the kept draft as it is). The dialog's opener drops the draft once what was
    sent has been queued, so a refused send keeps the text.

    ``former`` are the keys the same draft had under the incident's earlier ids: one written
    on an incident created here is kept under its local id, and the remote's id replaces it
    once the create is accepted (by this process or another, even while none ran)."""

    def __init__(
        self,
        screen: Screen[Any],
        drafts: Drafts | None,
        key: str,
        fields: Callable[[], Fields | None],
        former: Sequence[str] = (),
    ) -> None:
        self.screen = screen
        self.drafts = drafts
        self.key = key
        self.fields = fields
        self.former = tuple(former)
        self._timer: Timer | None = None
        self._pending = False
        """Typed since the last save, which waits for a pause in the typing."""
        self._done = False

    def saved(self) -> Fields | None:
        """The draft kept from an earlier visit, if any; one kept under a former key moves
        to ``key`` (saved, dropped once sent, as any other from then on), joined with the
        one there if both are kept (see :func:`~incident_tui.ui.drafts.merged`)."""
        if self.drafts is None:
            return None
        found = self.drafts.get(self.key)
        for old in self.former:
            # Every former key, even with a draft here: one left there is never reached again.
            moved = self.drafts.move(old, self.key)
            if moved is not None:
                found = moved
        return found

    def changed(self) -> None:
        """The user typed: save once they pause."""
        if self.drafts is None or self._done:
            return
        if self._timer is not None:
            self._timer.stop()
        self._pending = True
        self._timer = self.screen.set_timer(SAVE_AFTER, self.save)

    def save(self) -> None:
        """Write the fields now (all empty: forget the draft)."""
        if self.drafts is None or self._done:
            return
        self._pending = False
        fields = self.fields()
        if fields is not None:
            self.drafts.put(self.key, fields)

    def flush(self) -> None:
        """Write now what typing since the last save left waiting for its pause (the App
        is ending); nothing when nothing waits, so a draft not yet put back into a dialog
        still opening is never overwritten by its empty fields."""
        if self._pending:
            if self._timer is not None:
                self._timer.stop()
            self.save()

    def cancelled(self, *, say: bool = True) -> None:
        """The dialog closes unsent: keep the draft, and say so if there is one (unless
        not ``say``: it cannot come back, the incident being gone)."""
        if self._timer is not None:
            self._timer.stop()
        self.save()
        self._done = True
        if say and self.drafts is not None and self.drafts.get(self.key) is not None:
            self.screen.app.notify(KEPT_NOTICE, markup=False)

    def sent(self) -> None:
        """The dialog sends its content: keep it as it is until the opener drops it."""
        if self._timer is not None:
            self._timer.stop()
        self.save()
        self._done = True
