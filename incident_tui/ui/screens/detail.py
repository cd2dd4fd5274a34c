"""The detail screen: one incident with every field, its timeline and its local state.

Read in a worker thread (``Reader.detail``) and re-read when the incident changes; actions
(acknowledge, resolve, reopen, comment, edit, delete) work here as on the list, plus what
only some kinds can do: attachments (download, upload, delete) and PDF export for Kitehouse,
attributes for AOH IMS, deleting comments where the remote allows it. Those come from
``detail_features``; the answers to a refused change (retry, discard) or a conflict (keep
mine, take theirs) from ``detail_answers``. This module decides which of them apply
(``check_action``) and, for a key that does not, says why (``on_key``). A long thread shows
its newest comments, and a page of earlier ones more on a key (``detail_comments``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from incident_tui.domain.capabilities import Capability
from incident_tui.domain.text import clean
from incident_tui.store.reader import Detail
from incident_tui.ui import keys
from incident_tui.ui.context import UiContext
from incident_tui.ui.messages import Changed, deliver_latest, forward_worker_failure
from incident_tui.ui.screens import detail_content as render
from incident_tui.ui.screens import detail_kind
from incident_tui.ui.screens.detail_answers import (
    ANSWERS,
    ChangeAnswers,
    answerable,
    why_not_answer,
)
from incident_tui.ui.screens.detail_comments import CommentWindow, earlier_line
from incident_tui.ui.screens.detail_features import FEATURES, nothing_to, possible
from incident_tui.ui.unavailable import action_keys, explain_key, lacking_text
from incident_tui.ui.widgets.comment_pages import CommentPages
from incident_tui.ui.widgets.detail_body import DetailBody
from incident_tui.ui.widgets.hanging_text import HangingText
from incident_tui.ui.widgets.key_footer import KeyFooter

CAPABILITY: dict[str, Capability] = {
    "acknowledge": Capability.ACKNOWLEDGE,
    "resolve": Capability.RESOLVE,
    "reopen": Capability.REOPEN,
    "comment": Capability.COMMENT,
    "edit": Capability.EDIT,
    "delete": Capability.DELETE,
}
"""Common actions: greyed out (shown dim) where the kind lacks them."""


SECTIONS: tuple[tuple[str, str], ...] = (
    ("detail-title", ""),
    ("detail-fields", "Incident"),
    ("detail-kind", ""),
    ("detail-description", "Description"),
    ("detail-conflict", "Conflict"),
    ("detail-changes", "Queued changes"),
    ("detail-comments", "Comments"),
    ("detail-attachments", "Attachments"),
    ("detail-custom", "Custom fields"),
    ("detail-extra", "Remote fields"),
)

UNHUNG = frozenset({"detail-title", "detail-description"})
"""The sections of the incident's own text, shown as written; every other section's long
lines continue under their indent or their value (:class:`HangingText`): the labelled ones,
the comments, and the indented lines of the queued changes and the files."""

ANSWER_KEYS: tuple[tuple[str, str], ...] = (
    ("keep_mine", "keep mine"),
    ("take_theirs", "take theirs"),
    ("retry_change", "retry"),
    ("discard_change", "discard"),
)
"""The answers' actions and their words in the hints: a conflict's two, a refusal's two."""

SWITCHED: tuple[str, ...] = (*CAPABILITY, *FEATURES, *ANSWERS)
"""The actions ``check_action`` may turn on or off, hide or show, as the incident changes."""

FIRST_READ_WAIT = 0.5
"""Seconds the terminal may keep showing the screen underneath while the incident is read."""

LAYOUT_SETTLE = 0.1
"""Seconds after the first read until the terminal gets the screen (Textual lays a new
screen out in two or three passes, one every 1/60 s)."""


READING_NOTE_AFTER = 2.0
"""Seconds a re-read of the incident on screen may take before the screen says what shows
is the cached copy while it goes on (a remote that hangs takes a minute to fail)."""

GONE = "This incident is no longer in the cache: there is nothing to act on."
"""Why no action key works once the incident on screen is gone."""

PLACE_WAIT = 20
"""How many refreshes the reader's place waits at most for the comments that came in above
it to be laid out."""

ALL_SHOWN = "No earlier comments to show: every comment of this incident is shown."
"""Why the earlier-comments key does nothing."""


class RereadNote(Static):
    """A line under the heading when the incident could not be read again from its remote:
    what shows is the cached copy, and why (hidden otherwise)."""

    DEFAULT_CSS = """
    RereadNote {
        display: none;
        height: 1;
        padding: 0 1;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """


class DetailScreen(ChangeAnswers, Screen[None]):
    """Everything about one incident."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings(
            "acknowledge",
            "resolve",
            "comment",
            "reopen",
            "edit",
            "delete",
            "download",
            "upload",
            "delete_attachment",
            "export_pdf",
            "attribute",
            "delete_comment",
            "retry",
            "discard",
            "keep_mine",
            "take_theirs",
            "earlier_comments",
        ),
        # Shown here, unlike on the list (where escape only clears): a pushed screen needs a
        # visible way back. The compact footer keeps it and ? Help / q Quit within 80 cells.
        *[replace(binding, show=True) for binding in keys.bindings("back")],
    ]
    BODY: ClassVar[type[VerticalScroll]] = DetailBody
    """The scrolling sections, which have the focus: their own keys (down scrolls) come
    before the screen's, however short the incident."""

    def __init__(self, ctx: UiContext, incident_id: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.incident_id = incident_id
        self.detail: Detail | None = None
        self._gone = False
        """Read, and not in the cache (deleted, or a create discarded): not still reading."""
        self._explained = action_keys(
            ctx.services.view.keys, [*CAPABILITY, *FEATURES, *ANSWERS, "earlier_comments"]
        )
        self._drawn: dict[str, tuple[object, ...]] = {}
        """What each line and section shows now, by id: only a change is drawn again."""
        self._binding_state: tuple[bool | None, ...] | None = None
        """What the footer shows: ``check_action`` of each action that can turn on or off."""
        self._reading_due: Timer | None = None
        """Shows the note of a re-read that takes long, when it is due."""
        self._unhold: Callable[[], None] | None = None
        """Ends the App's hold on the terminal output while there is one (see
        :meth:`on_mount`)."""
        self._comments = CommentWindow()
        """Which comments are laid out: the newest, and the earlier ones asked for."""
        self._hidden_comments = 0
        """How many earlier comments are not laid out now."""
        self._place: float | None = None
        """Where the body is to scroll once earlier comments shown above the reader's place
        are laid out (:meth:`action_earlier_comments`), while that is pending."""
        self._place_unhold: Callable[[], None] | None = None
        """Ends the hold on the terminal output while that scroll is pending."""

    def compose(self) -> ComposeResult:
        """A heading, the scrolling sections and the keys."""
        first = self._heading(False)
        self._unchanged("detail-heading", first)
        yield Static(first, id="detail-heading")
        yield Static(id="detail-alert")
        yield RereadNote(id="detail-reread")
        with self.BODY(id="detail-body"):
            for section_id, heading in SECTIONS:
                # Comments are indented under their header, values beside their labels; a
                # wrapped line stays so.
                widget: type[Widget] = Static if section_id in UNHUNG else HangingText
                if section_id == "detail-comments":
                    widget = CommentPages  # laid out a page at a time
                section = widget(id=section_id, classes="section")
                if heading:
                    section.border_title = heading
                # Shown once it has something to say: empty bordered boxes would need a
                # scroll bar the incident itself may not, and laying the sections out
                # again without it redraws every one of them.
                section.display = False
                yield section
        yield KeyFooter(compact=True)

    def _heading(self, overdue: bool) -> Content:
        parts: list[str | tuple[str, str]] = [("Incident ", "bold"), clean(self.incident_id)]
        if overdue:
            parts.append(("  · update overdue", "bold $error"))
        return Content.assemble(*parts)

    def on_mount(self) -> None:
        """Read the incident and follow changes to it."""
        self.ctx.incidents_changed.subscribe(self, self._changed)
        self.ctx.sync_changed.subscribe(self, lambda _: self._show_reread())
        self._show_reread()
        self.query_one("#detail-body").focus()
        self.ctx.ticked.subscribe(self, lambda _: self._redraw_due())
        # The terminal gets this screen once it shows the incident, laid out: see
        # IncidentApp.hold_output.
        hold = getattr(self.app, "hold_output", None)
        if hold is not None:
            self._unhold = hold()
            self.set_timer(FIRST_READ_WAIT, self._release)
        self.load()

    def _release(self) -> None:
        """End the hold on the terminal output, if this screen still has it: once shown and
        laid out, after :data:`FIRST_READ_WAIT` at most, or when the read failed or the
        screen goes."""
        unhold, self._unhold = self._unhold, None
        if unhold is not None:
            unhold()

    def on_screen_resume(self) -> None:
        """On screen (again): keep the incident fresh from the remote while it shows."""
        runner = getattr(self.app, "runner", None)
        if runner is not None:
            runner.watch(self.incident_id)

    def on_unmount(self) -> None:
        """Stop keeping the incident fresh once it is off screen, and stop listening for
        changes: the signals drop a removed screen only when they are next published."""
        self.ctx.incidents_changed.unsubscribe(self)
        self.ctx.sync_changed.unsubscribe(self)
        self.ctx.ticked.unsubscribe(self)
        self._release()
        self._release_place()  # a scroll to keep the reader's place that never came
        runner = getattr(self.app, "runner", None)
        if runner is not None and runner.watched == self.incident_id:
            runner.watch(None)

    def _show_reread(self) -> None:
        """Mark the copy on screen as the cache's while its remote cannot be read again, or
        while reading it again takes long (every sync event calls this: only a change is
        drawn)."""
        sync = self.ctx.sync
        problem = sync.rereads.get(self.incident_id, "")
        text = Content.styled(f"cached copy: {problem}", "$warning") if problem else ""
        since = sync.reading.get(self.incident_id)
        if not problem and since is not None:
            waited = time.monotonic() - since
            if waited >= READING_NOTE_AFTER:
                remote = clean(self.incident_id.partition(":")[0], single_line=True)
                text = Content.styled(
                    f"cached copy: reading it again from {remote}…", "$foreground-muted"
                )
            elif self._reading_due is None:
                # Not at once: most reads take a moment, and a line that comes and goes
                # with each would move the whole screen.
                self._reading_due = self.set_timer(
                    READING_NOTE_AFTER - waited, self._reading_waited
                )
        if self._drawn.get("detail-reread", ("",)) == (text,):
            return
        self._drawn["detail-reread"] = (text,)
        note = self.query_one("#detail-reread", RereadNote)
        note.update(text)
        note.display = bool(text)

    def _reading_waited(self) -> None:
        self._reading_due = None
        self._show_reread()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Failures of this node's workers go to the App's one error handler."""
        if event.state is WorkerState.ERROR:
            self._release()  # the read failed: show what there is, and the error
        forward_worker_failure(self, event)

    def _changed(self, changed: Changed) -> None:
        if not changed.ids or self.incident_id in changed.ids:
            self.load()

    @work(thread=True, group="detail", exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """Read the incident (worker thread), under the remote's id once a create made here
        was accepted: the screen carries on with it."""
        reader = self.ctx.services.reader
        [incident_id] = reader.current_ids([self.incident_id])
        detail = reader.detail(incident_id)
        deliver_latest(self, self._show, detail, incident_id)

    def _show(self, detail: Detail | None, incident_id: str | None = None) -> None:
        if incident_id is not None and incident_id != self.incident_id:
            self._renamed(incident_id)
        self.detail = detail
        self._gone = detail is None
        if detail is None:
            self._hidden_comments = 0
        self._refresh_footer()
        if self._unhold is not None:
            # Once Textual's layout passes for what this draws are done, most likely (if
            # not, what follows is written as usual).
            self.set_timer(LAYOUT_SETTLE, self._release)
        if detail is None:
            self._set(
                "detail-title",
                Content.styled("This incident is no longer in the cache.", "$warning"),
            )
            for section_id, _ in SECTIONS[1:]:
                if section_id != "detail-comments":
                    self._set(section_id, Content(""))
            comments = self.query_one("#detail-comments", CommentPages)
            comments.clear()
            comments.display = False
            self._drawn.pop("detail-comments", None)
            self.query_one("#detail-alert", Static).display = False
            self._drawn.pop("detail-alert", None)
            return
        incident = detail.incident
        kind = self.kind
        self._alert(detail)
        self._set("detail-title", render.title(incident))
        self._set("detail-fields", render.fields(incident))
        self._draw_kind()
        self._set("detail-description", render.description(incident))
        conflict_keys, refusal_keys = self._hint(*ANSWER_KEYS[:2]), self._hint(*ANSWER_KEYS[2:])
        self._set("detail-conflict", render.conflict(incident), hint=conflict_keys)
        self._set("detail-changes", render.changes(detail.changes), hint=refusal_keys)
        self._draw_comments(detail)
        attachments = render.attachments(detail.attachments)
        if not attachments.plain and self._supports("upload_attachment"):
            # Shown even when empty: the section's hint says how to add one.
            attachments = Content.styled("No attachments.", "$foreground-muted")
        self._set(
            "detail-attachments",
            attachments,
            f"Attachments ({len(detail.attachments)})" if detail.attachments else "Attachments",
            self._hint(
                ("download_attachment", "download"),
                ("upload_attachment", "upload"),
                ("delete_attachment", "delete"),
                ("export_pdf", "PDF"),
            ),
        )
        self._set(
            "detail-custom",
            detail_kind.attributes(incident),
            detail_kind.custom_heading(kind),
            self._hint(("set_attribute", "set")),
        )
        self._set("detail-extra", detail_kind.remote_fields(incident))

    def _draw_comments(self, detail: Detail) -> None:
        """The comments section: the newest comments, under a line saying how many earlier
        ones are not shown and which key shows them, if some are not. The heading counts
        them all."""
        start = self._comments.start(detail.comments)
        self._hidden_comments = start
        earlier = None
        if start:
            earlier = earlier_line(
                start, keys.key_shown(self, "earlier_comments"), self._comments.page
            )
        section = self.query_one("#detail-comments", CommentPages)
        section.show(earlier, self._comments.pages(detail.comments, start), render.comments)
        section.display = True
        heading = f"Comments ({len(detail.comments)})"
        hint = self._hint(("delete_comment", "delete"))
        # Each setting draws the section's border again.
        if not self._unchanged("detail-comments", Content(""), heading, hint):
            section.border_title, section.border_subtitle = heading, hint

    def shown_comments(self) -> Sequence[Mapping[str, Any]]:
        """The comments laid out: a long thread's newest and the earlier ones asked for (a
        picker of all 5,000 took a second to open, and no one reads through it)."""
        return self.detail.comments[self._hidden_comments :] if self.detail else []

    def action_earlier_comments(self) -> None:
        """Show a page more of the earlier comments, above those shown, without moving what
        the reader sees: when the line above the comments is already scrolled off the top,
        the body scrolls down by what came in (and the terminal gets only the result)."""
        detail = self.detail
        if detail is None or not self._hidden_comments:
            return
        body = self.query_one("#detail-body", VerticalScroll)
        section = self.query_one("#detail-comments", CommentPages)
        width = section.size.width
        before = section.lines_at(width)
        self._comments.show_earlier(detail.comments)
        self._draw_comments(detail)
        grown = section.lines_at(width) - before
        place = body.scroll_y if self._place is None else self._place
        line_y = section.virtual_region.y + section.styles.gutter.top
        if place <= line_y or not grown:
            return  # the reader is above the comments, or sees the line: nothing moves
        if self._place is None:
            self.call_after_refresh(self._keep_place)
        if self._place_unhold is None:
            hold = getattr(self.app, "hold_output", None)
            self._place_unhold = hold() if hold is not None else None
        self._place = place + grown

    def _keep_place(self, waited: int = 0) -> None:
        """Scroll the body to the reader's place, now that what came in above it is laid
        out; the terminal gets the screen once that is drawn too, in one frame."""
        section = self.query_one("#detail-comments", CommentPages)
        if section.size.height != section.lines_at(section.size.width) and waited < PLACE_WAIT:
            # A page that came in mounts on its own and is laid out at a later refresh:
            # scrolled before that, the body would stop at the end it had.
            self.call_after_refresh(self._keep_place, waited + 1)
            return
        place, self._place = self._place, None
        if place is not None:
            body = self.query_one("#detail-body", VerticalScroll)
            body.scroll_to(y=place, animate=False, immediate=True)
        self.call_after_refresh(self._release_place)

    def _release_place(self) -> None:
        unhold, self._place_unhold = self._place_unhold, None
        if unhold is not None:
            unhold()

    def _renamed(self, incident_id: str) -> None:
        """Follow the incident on screen to ``incident_id``, the remote's id its create got:
        actions, changes and the freshness watch go by it from now on."""
        old, self.incident_id = self.incident_id, incident_id
        self._draw_heading(False)
        self._show_reread()
        runner = getattr(self.app, "runner", None)
        if runner is not None and runner.watched == old:
            runner.watch(incident_id)

    def _alert(self, detail: Detail) -> None:
        """What waits for the user's answer (a conflict, a refused change), with its keys, on
        a line under the heading: the sections that show it are often below the fold."""
        parts: list[Content] = []
        # By the answer each always has: keep mine and retry are not offered for an
        # incident deleted on the remote.
        for action, label, style, pairs in (
            ("take_theirs", "Conflict", "$mark-conflict", ANSWER_KEYS[:2]),
            ("discard_change", "Change refused", "$mark-failed", ANSWER_KEYS[2:]),
        ):
            if answerable(action, detail):
                shown = self._hint(*pairs)
                keys_part = f": {shown}" if shown else ""
                parts.append(Content.assemble((label, f"bold {style}"), keys_part))
        alert = Content("  ·  ").join(parts)
        if self._unchanged("detail-alert", alert):
            return
        widget = self.query_one("#detail-alert", Static)
        # One line: showing or hiding it is what lays the screen out again.
        widget.update(alert, layout=False)
        widget.display = bool(parts)

    def _draw_kind(self) -> None:
        """The kind's own section, against the clock (a promised update may be late)."""
        if self.detail is None:
            return
        now = self.ctx.services.clock()
        incident = self.detail.incident
        self._set(
            "detail-kind",
            detail_kind.kind_section(incident, self.detail.comments, now),
            detail_kind.kind_title(self.kind),
        )
        self._draw_heading(detail_kind.overdue(incident, now))

    def _draw_heading(self, overdue: bool) -> None:
        heading = self._heading(overdue)
        if not self._unchanged("detail-heading", heading):
            # One line whatever it says: no layout pass.
            self.query_one("#detail-heading", Static).update(heading, layout=False)

    def _redraw_due(self) -> None:
        if self.detail is not None and detail_kind.overdue_known(self.detail.incident):
            self._draw_kind()

    def _set(
        self,
        section_id: str,
        content: Content,
        heading: str | None = None,
        hint: str | None = None,
    ) -> None:
        if self._unchanged(section_id, content, heading, hint):
            return
        section = self.query_one(f"#{section_id}", Static)
        section.update(content)
        # Empty optional sections take no room; comments always show (even "No comments.").
        section.display = bool(content.plain.strip())
        if heading is not None:
            section.border_title = heading
        if hint is not None:
            section.border_subtitle = hint

    def _unchanged(self, widget_id: str, content: Content, *more: str | None) -> bool:
        """Whether ``widget_id`` shows ``content`` (and ``more``: its border titles) already;
        if not, note that it is about to. Re-reads of an unchanged incident draw nothing."""
        # Text and styles: Content equality compares the text only.
        shown = (content.plain, list(content.spans), *more)
        if self._drawn.get(widget_id) == shown:
            return True
        self._drawn[widget_id] = shown
        return False

    def _refresh_footer(self) -> None:
        """Have the footer redraw its keys when one turned on or off (it recomposes and is
        drawn again on every bindings refresh)."""
        state = tuple(self.check_action(action, ()) for action in SWITCHED)
        if state != self._binding_state:
            self._binding_state = state
            self.refresh_bindings()

    def _hint(self, *pairs: tuple[str, str]) -> str:
        """``D download · u upload`` for the actions this incident allows now, with the keys
        in force (the user's keymap included)."""
        shown = []
        for action, word in pairs:
            # Only what can be done now: no "delete" under an empty comment list.
            if self.check_action(action, ()) is not True:
                continue
            key = keys.key_shown(self, action)
            if key:
                shown.append(f"{key} {word}")
        return " · ".join(shown)

    # Keys ---------------------------------------------------------------------------------

    @property
    def kind(self) -> str | None:
        """The remote kind of the incident, once read."""
        return str(self.detail.incident.get("kind")) if self.detail else None

    def _supports(self, action: str) -> bool:
        """Whether this incident's kind has the kind-specific ``action`` at all."""
        return self.ctx.services.can(self.kind, FEATURES[action])

    def on_key(self, event: events.Key) -> None:
        """A key that does nothing here says why: this incident's remote kind lacks the
        action, or there is nothing for it to act on (no files, no refused change...)."""
        explain_key(self, event, self._explained, self._why_not)

    def _why_not(self, action: str) -> str | None:
        detail = self.detail
        if detail is None:
            # Still reading, the key works in a moment; or there is nothing left to act on.
            return GONE if self._gone else None
        capability = CAPABILITY.get(action)
        if capability is not None:
            return lacking_text(self.kind, capability)
        if action in FEATURES:
            if not self._supports(action):
                return lacking_text(self.kind, FEATURES[action])
            return nothing_to(action, detail)
        if action == "earlier_comments":
            return ALL_SHOWN
        return why_not_answer(action, detail)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out what this incident's remote kind cannot do (or everything while loading);
        hide the kind-specific actions of other kinds, and every action on the incident once
        it is gone; offer the answers to a refused change or a conflict only when there is
        one."""
        capability = CAPABILITY.get(action)
        if action == "earlier_comments":
            return True if self._hidden_comments else None
        if capability is None and action not in FEATURES and action not in ANSWERS:
            return True
        if self.detail is None:
            return False if self._gone else None
        if action in ANSWERS:
            return True if answerable(action, self.detail) else None
        if capability is not None:
            return True if self.ctx.services.can(self.kind, capability) else None
        if not self._supports(action):
            return False
        return True if possible(action, self.detail) else None

    def action_acknowledge(self) -> None:
        """Acknowledge this incident."""
        self.ctx.intents.acknowledge([self.incident_id])

    def action_resolve(self) -> None:
        """Resolve this incident."""
        self.ctx.intents.resolve([self.incident_id])

    def action_reopen(self) -> None:
        """Reopen this incident."""
        self.ctx.intents.reopen([self.incident_id])

    def action_comment(self) -> None:
        """Write a comment (a public note, where the remote has them, if ticked)."""
        from incident_tui.ui.screens.comment import open_comment

        open_comment(self.app, self.ctx, self.incident_id, render.body_text(self._title())[:200])

    def action_edit(self) -> None:
        """Edit title, description and severity."""
        from incident_tui.ui.screens.edit import open_edit

        open_edit(self.app, self.ctx, self.incident_id)

    def action_delete(self) -> None:
        """Delete this incident, after asking; back to the list when done."""
        from incident_tui.ui.screens.confirm import confirm_delete

        confirm_delete(self.app, self.ctx, self.incident_id, self._title(), done=self._deleted)

    def action_back(self) -> None:
        """Back to the list."""
        self.app.pop_screen()

    def _title(self) -> str:
        return str(self.detail.incident.get("title") or "") if self.detail else ""
