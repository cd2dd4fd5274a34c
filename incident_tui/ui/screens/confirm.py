"""A yes / no question, and the delete confirmations built on it.

Every question here throws something away (an incident, a comment, a file, a refused change,
the local side of a conflict) or acts on incidents the list does not show (a selection the
search hides), so only ``y`` says yes: enter, pressed by reflex, does not.

Deleting a 4HSE incident is forced on the server (its involved people, resources and actions
go too), so its confirmation first asks the server what else would be removed and shows it;
when the server cannot tell (offline, an error), it says so and still lets the user decide.
Deleting a selection asks once, naming how many and which; its preview says which of them
it covers when only some have one (``the 2 4HSE incidents``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from incident_tui.domain.capabilities import KIND_TITLES, Capability
from incident_tui.domain.text import clean, shorten
from incident_tui.ui.context import UiContext

PREVIEW_TIMEOUT = 10.0
"""Seconds to wait for the server's answer before calling the preview unavailable: the
connector's retries of a refused connection would otherwise keep the user waiting."""
PREVIEW_NAMES = 5
"""Names listed per kind of related record; the rest are counted."""
MODEL_WORDS = {
    "IncidentPerson": "involved people",
    "IncidentResource": "resources",
    "IncidentAction": "actions",
}
"""4HSE's model names in the preview, as the user calls them."""
LISTED = 5
"""Incidents named in the question of a bulk delete; the rest are counted."""

Preview = dict[str, Any]
"""``Online.delete_preview``'s answer: ``{"related": {model: [ids]}, "names": {model:
[labels]}, "total": n}``."""


class ConfirmScreen(ModalScreen[bool]):
    """Asks one question; only ``y`` answers yes, ``n`` or escape no. Enter answers nothing
    (it says which key does): what is asked here cannot be undone.

    The question (and what a subclass adds under it) scrolls above the keys' line, which
    stays in view: a bulk delete's list and the 4HSE preview of what else goes can be longer
    than a short terminal, and what is about to be thrown away must be readable to the end.
    The arrow and page keys scroll it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
        Binding("enter", "enter", "", show=False, id="confirm_enter"),
    ]

    def __init__(self, question: Content) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        """The question and the keys."""
        with Vertical(id="confirm-dialog", classes="dialog"):
            with VerticalScroll(id="confirm-body"):
                yield Static(self.question, classes="dialog-heading")
                yield from self.compose_extra()
            yield Static(self.hint(), id="confirm-hint", classes="dialog-hint")

    def on_mount(self) -> None:
        """The arrow and page keys scroll the question (y, n and escape are the screen's)."""
        self.query_one("#confirm-body").focus()

    def compose_extra(self) -> ComposeResult:
        """What a subclass shows between the question and the keys."""
        yield from ()

    def hint(self) -> Content:
        """The line naming the keys."""
        return Content.styled("y yes · n no", "$foreground-muted")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)

    def action_enter(self) -> None:
        """Enter by reflex: say which keys answer, and answer nothing."""
        self.notify("Press y to go ahead, n to cancel.", timeout=3, markup=False)


class DeletePreviewScreen(ConfirmScreen):
    """The delete question with what the server says would be removed with the incident.

    ``y`` waits for the server's answer (or for it to fail): the point of the dialog is that
    the user sees what goes before saying yes. ``n`` works at once.
    """

    def __init__(
        self,
        question: Content,
        fetch: Callable[[], Awaitable[Preview]],
        *,
        timeout: float = PREVIEW_TIMEOUT,
        subject: str = "",
    ) -> None:
        super().__init__(question)
        self._fetch = fetch
        self._timeout = timeout
        self._subject = subject
        """The incidents the preview covers (``the 2 4HSE incidents``); empty for one."""
        self.waiting = True
        """Whether the server's preview is still awaited (``y`` is held back meanwhile)."""
        self.preview_text = "Asking the server what else deleting would remove…"
        """The preview as shown, in plain text (tests and screen readers read it)."""

    def compose_extra(self) -> ComposeResult:
        """The preview (a waiting note at first)."""
        yield Static(Content(self.preview_text), id="confirm-preview")

    def hint(self) -> Content:
        """Only ``n`` while the preview is awaited."""
        if self.waiting:
            return Content.styled("n no · waiting for the server before y", "$foreground-muted")
        return super().hint()

    def on_mount(self) -> None:
        """Ask the server."""
        super().on_mount()
        self.load_preview()

    @work(exclusive=True, group="delete-preview", exit_on_error=False)
    async def load_preview(self) -> None:
        """Fetch the preview on the App's loop (the connectors belong to it)."""
        from incident_tui.config_error import ConfigError
        from incident_tui.remote.errors import RemoteError
        from incident_tui.store.actions import ActionError

        unavailable = (
            f"Deleting still removes {self._subject} with everything attached."
            if self._subject
            else "Deleting still removes the incident and everything attached to it."
        )
        try:
            preview = await asyncio.wait_for(self._fetch(), self._timeout)
        except TimeoutError:
            reason = f"the server did not answer in {self._timeout:g} s"
        except (RemoteError, ActionError, ConfigError, OSError) as error:
            # Not an error notification: the dialog is where the user is looking, and the
            # failure only means the answer below is less informed.
            reason = shorten(clean(str(error), single_line=True), 160).rstrip(". ")
        else:
            self._show("\n".join(preview_lines(preview, self._subject)))
            return
        self._show(f"Preview unavailable: {reason}. {unavailable}", style="$warning")

    def _show(self, text: str, *, style: str = "") -> None:
        self.waiting = False
        self.preview_text = text
        # Content.styled, never markup: the text quotes names from the remote.
        self.query_one("#confirm-preview", Static).update(Content.styled(text, style))
        self.query_one("#confirm-hint", Static).update(self.hint())

    def action_answer(self, yes: bool) -> None:
        """Close with the answer; a yes only once the preview is in (or failed)."""
        if yes and self.waiting:
            self.notify("Waiting for the server's answer; n cancels.", timeout=2, markup=False)
            return
        super().action_answer(yes)


def preview_lines(preview: Preview, subject: str = "") -> list[str]:
    """The preview in words, one line per kind of related record (remote text cleaned).
    ``subject`` names the incidents it covers when there are several (``the 2 4HSE
    incidents``, :func:`preview_subject`); empty for one incident."""
    total = int(preview.get("total") or 0)
    if not total:
        if subject:
            return [f"The server reports nothing else attached to {subject}."]
        return ["The server reports nothing else attached: only the incident is removed."]
    noun = "record" if total == 1 else "records"
    with_them = f"With {subject}, the server" if subject else "The server"
    lines = [f"{with_them} would also remove {total} related {noun}:"]
    names = preview.get("names") or {}
    related = preview.get("related") or {}
    for model in dict.fromkeys([*related, *names]):
        labels = [str(label) for label in names.get(model) or related.get(model) or []]
        count = max(len(labels), len(related.get(model) or []))
        if not count:
            continue
        shown = ", ".join(clean(label, single_line=True) for label in labels[:PREVIEW_NAMES])
        more = f" and {count - PREVIEW_NAMES} more" if count > PREVIEW_NAMES else ""
        kind = MODEL_WORDS.get(str(model)) or clean(str(model), single_line=True)
        lines.append(f"  {kind} ({count}): {shown}{more}")
    return lines


def confirm_delete(
    app: App[Any],
    ctx: UiContext,
    incident_id: str,
    title: str,
    *,
    done: Callable[[], None] | None = None,
) -> None:
    """Ask before deleting (with the server's preview where the kind has one); a yes queues
    the deletion. One a sync found deleted on its remote is not asked about: there is
    nothing left to delete there, and the notice says how to let it go."""
    services = ctx.services
    gone = services.reader.why_gone(incident_id)
    if gone is not None:
        app.notify(
            f"{services.name_of(incident_id)} {gone}: there is nothing to delete there; take "
            "theirs to let it go with the changes that wait, or discard them.",
            title="Cannot delete",
            severity="error",
            markup=False,
        )
        return
    question = Content.assemble(
        ("Delete ", "bold"),
        (ctx.services.name_of(incident_id), "bold $error"),
        "?\n",
        clean(title, single_line=True)[:200],
    )

    def answered(yes: bool | None) -> None:
        if yes:
            ctx.intents.delete(incident_id, done=done)

    if services.can(services.kind_of(incident_id), Capability.DELETE_PREVIEW):

        async def fetch() -> Preview:
            return await services.online().delete_preview(incident_id)

        app.push_screen(DeletePreviewScreen(question, fetch), answered)
    else:
        app.push_screen(ConfirmScreen(question), answered)


def confirm_delete_many(
    app: App[Any],
    ctx: UiContext,
    incidents: Sequence[tuple[str, str]],
    *,
    done: Callable[[], None] | None = None,
) -> None:
    """Ask once before deleting a selection of ``(id, title)`` pairs, naming how many and
    the first few; with the server's preview of what else goes where a kind has one. A yes
    queues every deletion."""
    ids = [incident_id for incident_id, _ in incidents]
    lines: list[str | tuple[str, str]] = []
    for incident_id, title in incidents[:LISTED]:
        lines += [
            "\n  ",
            (ctx.services.name_of(incident_id), "bold"),
            "  " + shorten(clean(title, single_line=True), 60),
        ]
    if len(incidents) > LISTED:
        lines.append(f"\n  … and {len(incidents) - LISTED} more")
    count = f"{len(ids)} incident" + ("" if len(ids) == 1 else "s")
    question = Content.assemble(("Delete ", "bold"), (count, "bold $error"), "?", *lines)

    def answered(yes: bool | None) -> None:
        if yes:
            ctx.intents.delete_many(ids, done=done)

    services = ctx.services
    kinds = {i: services.kind_of(i) for i in ids}
    previewed = [i for i in ids if services.can(kinds[i], Capability.DELETE_PREVIEW)]
    if not previewed:
        app.push_screen(ConfirmScreen(question), answered)
        return

    async def fetch() -> Preview:
        online = services.online()
        answers = await asyncio.gather(*(online.delete_preview(i) for i in previewed))
        return merge_previews(answers)

    subject = preview_subject([kinds[i] or "" for i in previewed], len(ids))
    app.push_screen(DeletePreviewScreen(question, fetch, subject=subject), answered)


def preview_subject(kinds: Sequence[str], selected: int) -> str:
    """The incidents a bulk delete's preview covers, by the kinds of those it covers out of
    ``selected`` in all: ``the 9 incidents`` when it covers every one, ``the 2 4HSE
    incidents`` when only those have a preview; empty for one incident alone."""
    if selected == 1:
        return ""
    count = len(kinds)
    if count == selected:
        return f"the {count} incidents"
    titles = " and ".join(KIND_TITLES.get(kind, kind) for kind in dict.fromkeys(kinds))
    return f"the {titles} incident" if count == 1 else f"the {count} {titles} incidents"


def merge_previews(previews: Sequence[Mapping[str, Any]]) -> Preview:
    """Several incidents' previews as one: related records and names per model, summed."""
    related: dict[str, list[Any]] = {}
    names: dict[str, list[Any]] = {}
    total = 0
    for preview in previews:
        for model, items in (preview.get("related") or {}).items():
            related.setdefault(str(model), []).extend(items or [])
        for model, items in (preview.get("names") or {}).items():
            names.setdefault(str(model), []).extend(items or [])
        total += int(preview.get("total") or 0)
    return {"related": related, "names": names, "total": total}
