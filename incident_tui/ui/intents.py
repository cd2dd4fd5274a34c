"""User intents (acknowledge, resolve, comment, create, edit, delete, attachments, attributes,
and the answers to a refused or contested change) carried out off the event loop: each runs
``Actions`` (or :mod:`incident_tui.sync.outbox_answers` over its engine) in a thread worker,
then tells the App what changed so the screens re-read what they show. An ``ActionError``
becomes an error notification."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from incident_tui.domain.model import Draft
from incident_tui.domain.text import clean
from incident_tui.ui.messages import IncidentsChanged
from incident_tui.ui.services import Services

if TYPE_CHECKING:
    from incident_tui.store.actions import Actions
    from incident_tui.store.queued import Queued, Skipped


class Intents:
    """The one place screens go to change incidents."""

    def __init__(self, app: App[Any], services: Services) -> None:
        self._app = app
        self._services = services

    def acknowledge(self, ids: Sequence[str], done: Callable[[], None] | None = None) -> None:
        """Queue acknowledging ``ids``."""
        self._run("acknowledge", list(ids), lambda a: a.acknowledge(ids), done=done)

    def resolve(self, ids: Sequence[str], done: Callable[[], None] | None = None) -> None:
        """Queue resolving ``ids``."""
        self._run("resolve", list(ids), lambda a: a.resolve(ids), done=done)

    def reopen(self, ids: Sequence[str], done: Callable[[], None] | None = None) -> None:
        """Queue reopening ``ids``."""
        self._run("reopen", list(ids), lambda a: a.reopen(ids), done=done)

    def comment(
        self,
        incident_id: str,
        body: str,
        *,
        public: bool = False,
        done: Callable[[], None] | None = None,
    ) -> None:
        """Queue a comment (``public``: a public note, where the remote has them)."""
        self._run(
            "comment",
            [incident_id],
            lambda a: a.comment(incident_id, body, public=public),
            done=done,
        )

    def delete_comment(self, incident_id: str, comment_seq: int) -> None:
        """Queue deleting a comment (cache row ``seq``)."""
        self._run(
            "delete comment", [incident_id], lambda a: a.delete_comment(incident_id, comment_seq)
        )

    def attach(self, incident_id: str, path: Path, content_type: str | None = None) -> None:
        """Queue uploading a local file (copied now, sent by the next sync)."""
        self._run("attach", [incident_id], lambda a: a.attach(incident_id, path, content_type))

    def delete_attachment(self, incident_id: str, attachment_seq: int) -> None:
        """Queue deleting an attachment (cache row ``seq``)."""
        self._run(
            "delete attachment",
            [incident_id],
            lambda a: a.delete_attachment(incident_id, attachment_seq),
        )

    def set_attribute(self, incident_id: str, name: str, value: Any) -> None:
        """Queue setting a custom attribute (AOH IMS)."""
        self._run(
            "set attribute", [incident_id], lambda a: a.set_attribute(incident_id, name, value)
        )

    def create(
        self, remote: str, kind: str, draft: Draft, done: Callable[[], None] | None = None
    ) -> None:
        """Queue a new incident; the list moves its cursor onto it."""
        self._run(
            "create", [], lambda a: a.create(remote, kind, draft), focus_result=True, done=done
        )

    def edit(
        self,
        incident_id: str,
        changes: dict[str, Any],
        *,
        read: Mapping[str, Any] | None = None,
        done: Callable[[], None] | None = None,
    ) -> None:
        """Queue an edit of title / description / severity, made against the values
        ``read`` (as the dialog read them from the cache; see ``Actions.edit``)."""
        self._run(
            "edit", [incident_id], lambda a: a.edit(incident_id, changes, read=read), done=done
        )

    def delete(self, incident_id: str, done: Callable[[], None] | None = None) -> None:
        """Queue deleting an incident."""
        self._run("delete", [incident_id], lambda a: a.delete(incident_id), done=done)

    def delete_many(self, ids: Sequence[str], done: Callable[[], None] | None = None) -> None:
        """Queue deleting several incidents (a confirmed selection), one after another; one
        that cannot be deleted (gone meanwhile) is named and does not stop the others."""
        targets = list(dict.fromkeys(ids))
        app = self._app

        def call(actions: Actions) -> list[Queued]:
            from incident_tui.store.actions import ActionError
            from incident_tui.store.db import StoreError

            queued: list[Queued] = []
            refused: list[str] = []
            for index, incident_id in enumerate(targets):
                try:
                    queued.append(actions.delete(incident_id))
                except ActionError as exc:
                    refused.append(clean(str(exc), single_line=True))
                except StoreError as exc:
                    if not queued:
                        raise  # nothing done: said as for any other action
                    # The cache stayed locked part way: what is queued stays queued; the
                    # rest would each wait as long again, so stop and say how many are not.
                    app.notify(
                        f"{len(targets) - index} of {len(targets)} not queued: "
                        + clean(str(exc), single_line=True),
                        title="Cannot delete",
                        severity="error",
                        markup=False,
                    )
                    break
            if refused:
                more = f"; and {len(refused) - 2} more" if len(refused) > 2 else ""
                app.notify(
                    "; ".join(refused[:2]) + more,
                    title=f"Cannot delete {len(refused)} of {len(targets)}",
                    severity="error",
                    markup=False,
                )
            return queued

        # What changed (and is counted) is what was queued, not what was asked for.
        self._run("delete", [], call, done=done)

    # Answers to refused and contested changes ----------------------------------------------

    def retry_change(
        self, incident_id: str, seq: int, done: Callable[[], None] | None = None
    ) -> None:
        """Put the refused change ``seq`` back in the queue as it is."""

        def call(actions: Actions) -> None:
            from incident_tui.sync import outbox_answers

            outbox_answers.retry(actions.engine, seq, clock=actions.clock)

        message = f"Change #{seq} of {self._services.name_of(incident_id)} queued again."
        self._run("retry", [incident_id], call, done=done, message=message)

    def discard_change(
        self, incident_id: str, seq: int, done: Callable[[], None] | None = None
    ) -> None:
        """Drop the refused change ``seq``; the incident is read again at the next pull."""

        def call(actions: Actions) -> None:
            from incident_tui.sync import outbox_answers

            outbox_answers.discard(actions.engine, seq)

        message = f"Change #{seq} of {self._services.name_of(incident_id)} discarded."
        self._run("discard", [incident_id], call, done=done, message=message)

    def keep_mine(self, incident_id: str, done: Callable[[], None] | None = None) -> None:
        """Settle a conflict for the local side: the contested change is pushed again, over
        the remote's values."""

        def call(actions: Actions) -> None:
            from incident_tui.sync import outbox_answers

            outbox_answers.keep_mine(actions.engine, incident_id)

        message = f"Kept your change to {self._services.name_of(incident_id)}; sent next sync."
        self._run("keep mine", [incident_id], call, done=done, message=message)

    def take_theirs(self, incident_id: str, done: Callable[[], None] | None = None) -> None:
        """Settle a conflict for the remote's side: the contested changes are dropped."""

        def call(actions: Actions) -> None:
            from incident_tui.sync import outbox_answers

            outbox_answers.take_theirs(actions.engine, incident_id)

        message = f"Took the remote's values for {self._services.name_of(incident_id)}."
        self._run("take theirs", [incident_id], call, done=done, message=message)

    def warm(self) -> None:
        """Build the writer in a worker now, so the first action does not wait for it."""
        self._app.run_worker(
            self._services.actions, thread=True, group="warm", name="warm", exit_on_error=False
        )

    def _run(
        self,
        label: str,
        ids: list[str],
        call: Callable[[Actions], Queued | list[Queued] | None],
        *,
        focus_result: bool = False,
        done: Callable[[], None] | None = None,
        message: str | None = None,
    ) -> None:
        """Run ``call`` in a thread worker; then tell the screens, run ``done`` on the UI
        thread and say what happened (``message``, else a summary of what was queued)."""
        app = self._app
        services = self._services

        def work() -> None:
            from incident_tui.store.actions import ActionError, StatusRefused
            from incident_tui.store.db import StoreError

            try:
                result = call(services.actions())
            except StoreError as exc:
                # The cache stayed locked (another incident-tui writing to it): nothing was
                # written, so say so plainly; the user has to do it again.
                undone = "Not queued" if message is None else "Not done"
                app.notify(f"{undone}: {clean(str(exc), single_line=True)}",
                           title=f"Cannot {label}", severity="error", markup=False)
                return
            except (ActionError, OSError) as exc:
                # Its text may quote remote ids, titles or file names: never parse it as
                # markup, and drop control characters. OSError: a file to attach that cannot
                # be read or copied.
                reason = clean(str(exc))
                if isinstance(exc, StatusRefused):
                    reason = _reasons(services, exc.skipped)
                    if any(item.reopen_first for item in exc.skipped):
                        reason += _reopen_hint(services)
                app.notify(reason, title=f"Cannot {label}", severity="error", markup=False)
                return
            queued = [] if result is None else result if isinstance(result, list) else [result]
            changed = list(dict.fromkeys([*ids, *(q.incident_id for q in queued)]))
            focus = queued[0].incident_id if focus_result and queued else None
            app.post_message(IncidentsChanged(changed, focus=focus))
            # The answers to a refused or contested change return nothing but queue again.
            to_push = [q.incident_id for q in queued if not q.cancelled]
            _push_soon(app, to_push if result is not None else ids)
            if done is not None:
                app.call_from_thread(done)
            # A status change leaves alone what is already there (or, reopening, what is not
            # resolved): count only what was queued, and say why the rest was not.
            skipped = getattr(result, "skipped", ())
            # Deleting what never reached the remote queues nothing: say it was cancelled.
            cancelled = len({q.incident_id for q in queued if q.cancelled})
            text = message
            if text is None and cancelled:
                sent = len({q.incident_id for q in queued if not q.cancelled})
                text = _cancelled(label, cancelled)
                if sent:
                    text = f"{_summary(label, sent)} · {text[0].lower()}{text[1:]}"
            elif text is None:
                count = len({q.incident_id for q in queued}) if skipped else len(changed)
                text = _summary(label, count) if count else "Nothing queued"
                text += _skipped(services, skipped)
            app.notify(text, markup=False, timeout=6 if skipped else 3)

        app.run_worker(work, thread=True, group="actions", name=label, exit_on_error=False)


def _push_soon(app: App[Any], ids: Sequence[str]) -> None:
    """Wake the sync loop of each remote of ``ids`` (they just got queued changes), so the
    change goes out now, not at the next timed pass (thread-safe; nothing if sync is off)."""
    runner = getattr(app, "runner", None)
    if runner is not None and runner.available and ids:
        runner.sync_now(dict.fromkeys(incident_id.partition(":")[0] for incident_id in ids))


def _reopen_hint(services: Services) -> str:
    """`` (R reopens)`` with the reopen key in force, for a refused acknowledgement."""
    from incident_tui.ui.unavailable import action_keys

    keys = list(action_keys(services.view.keys, ["reopen"]))
    return f" ({keys[0]} reopens)" if keys else ""


SHOWN_REASONS = 2
"""Most incidents a notice gives the reason for (a selection may leave out hundreds)."""


def _skipped(services: Services, skipped: Sequence[Skipped]) -> str:
    """`` · 2 left alone: …`` for the incidents a status change skipped (none: empty)."""
    if not skipped:
        return ""
    return f" · {len(skipped)} left alone: {_reasons(services, skipped)}"


def _reasons(services: Services, skipped: Sequence[Skipped]) -> str:
    """Why the first of ``skipped`` were left alone, each incident named as the list shows
    it (the reasons name it by its whole id, which is the command line's word for it)."""
    reasons = []
    for item in skipped[:SHOWN_REASONS]:
        reason = clean(item.reason, single_line=True)
        whole = clean(item.incident_id, single_line=True)
        reasons.append(reason.replace(whole, services.name_of(item.incident_id), 1))
    more = len(skipped) - SHOWN_REASONS
    return "; ".join(reasons) + (f"; and {more} more" if more > 0 else "")


CANCELLED: dict[str, tuple[str, str]] = {
    "delete": ("unsent new incident", "unsent new incidents"),
    "delete comment": ("unsent comment", "unsent comments"),
    "delete attachment": ("unsent attachment", "unsent attachments"),
}
"""What a deletion cancels, one and several, when it takes something never sent."""


def _cancelled(label: str, count: int) -> str:
    """``Cancelled the unsent comment (nothing was sent)``: the deletion dropped the queued
    changes of ``count`` incidents' unsent things instead of queuing one."""
    one, many = CANCELLED.get(label, ("unsent change", "unsent changes"))
    what = f"the {one}" if count == 1 else f"{count} {many}"
    return f"Cancelled {what} (nothing was sent)"


def _summary(label: str, count: int) -> str:
    past = {
        "acknowledge": "acknowledged",
        "resolve": "resolved",
        "reopen": "reopened",
        "comment": "commented on",
        "create": "created",
        "edit": "edited",
        "delete": "deleted",
        "delete comment": "deleted a comment on",
        "attach": "attached a file to",
        "delete attachment": "deleted an attachment of",
        "set attribute": "set an attribute on",
        "retry": "retried a change of",
        "discard": "discarded a change of",
        "keep mine": "kept your side of",
        "take theirs": "took the remote's side of",
    }[label]
    noun = "incident" if count == 1 else "incidents"
    return f"Queued: {past} {count} {noun}"
