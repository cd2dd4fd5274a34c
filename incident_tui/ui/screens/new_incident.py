"""The new-incident dialog: remote, where on it (a Revily service, a 4HSE office), title,
description, severity (only where the remote's kind has one: not 4HSE or Revily; a Kitehouse one
needs its priority id configured, else the dialog says so and stays open).

Revily creates every incident in a service and 4HSE in an office. Left at "default", the
connector decides as ``incident-tui create`` without ``--container`` does: the configured
``service_id`` / ``subtenant_id``, else the first service (Revily). 4HSE has no such
fallback (an incident register belongs to one office, which is never guessed): without a
configured office the dialog asks for one. The choices come from the server (Revily
``GET /services``) or, since 4HSE has no office listing in the contract, from the offices
seen in the cache.

While the places load, the field takes a typed id: someone who knows where the incident
goes types it at once, and neither that nor the focus is taken away when the list comes.
The list replaces the field only while it is empty and not being typed in; once it is left
empty, the list is offered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from incident_tui.domain.capabilities import KIND_TITLES, Capability, can
from incident_tui.domain.model import Draft
from incident_tui.domain.text import clean, shorten
from incident_tui.ui.context import UiContext
from incident_tui.ui.drafts import Drafts, Fields
from incident_tui.ui.screens.incident_form import FormScreen

DEFAULT = "__default__"
"""Prefix of the choice that leaves the place to the connector (``Draft.container=None``)."""
DRAFT_KEY = "new"
"""Where the new-incident dialog's unsaved fields wait in the drafts."""
LOOKUP_TIMEOUT = 10.0
"""Seconds to wait for the list of places before offering to type an id instead."""


class Place(NamedTuple):
    """Somewhere on a remote a new incident can go."""

    id: str
    label: str


class PlaceKind(NamedTuple):
    """What a remote kind calls its places, where its configured default lives, and whether
    a place must be given when none is configured (no fallback on the remote)."""

    noun: str
    plural: str
    config_key: str
    required: bool = False

    @property
    def one(self) -> str:
        """The noun after its article: ``a service``, ``an office``."""
        noun = self.noun.lower()
        return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


PLACE_KINDS: dict[str, PlaceKind] = {
    "revily": PlaceKind("Service", "services", "service_id"),
    "fourhse": PlaceKind("Office", "offices", "subtenant_id", required=True),
}
"""Remote kinds whose new incidents go into one of several places."""

Lookup = Callable[[str, str], Awaitable[list[Place]]]
"""(remote name, kind) to the places offered; raises when they cannot be listed."""
Check = Callable[[str, str | None, str | None], str | None]
"""(remote name, chosen place or ``None`` for the default, chosen severity or ``None``) to why
no such incident can be created there; ``None`` when it can."""


@dataclass(frozen=True, slots=True)
class NewIncident:
    """What the dialog returns: where to create it and what."""

    remote: str
    kind: str
    draft: Draft


class NewIncidentScreen(FormScreen[NewIncident]):
    """Create an incident on one of the configured remotes."""

    HEADING = "New incident"
    DEFAULT_CSS = """
    NewIncidentScreen #form-place {
        height: auto;
    }
    NewIncidentScreen #form-place-note {
        color: $foreground-muted;
    }
    NewIncidentScreen #form-place-note.-problem {
        color: $warning;
    }
    """

    def __init__(
        self,
        remotes: list[tuple[str, str]],
        *,
        blink: bool = True,
        lookup: Lookup | None = None,
        defaults: dict[str, str] | None = None,
        drafts: Drafts | None = None,
        check: Check | None = None,
    ) -> None:
        super().__init__(blink=blink, drafts=drafts, draft_key=DRAFT_KEY)
        self.remotes = remotes
        """(name, kind) of every configured remote that can create incidents."""
        self.lookup = lookup
        """Lists the places of a remote; without it only "default" or a typed id is offered."""
        self.defaults = defaults or {}
        """Remote name to its configured place id, for the "default" label."""
        self.check = check
        """Refuses a place the remote's sync would not see (a 4HSE office outside its scope),
        or a severity it cannot write (a Kitehouse one without a configured priority id)."""
        self._places_of: str | None = None
        """The remote whose places the widgets show (a late answer for another is dropped)."""
        self._places: list[Place] = []
        """The places listed for that remote (none while they load or could not be listed)."""
        self._default_choices = 0
        """Options sets shown so far: each gets its own "default" value (see _set_places)."""

    def compose_extra(self) -> ComposeResult:
        """The remote to create it on, and the place on it where the kind has several."""
        yield Label("Remote")
        options = [(Content(f"{name} ({kind})"), name) for name, kind in self.remotes]
        yield Select(options, id="form-remote", allow_blank=False, compact=True)
        with Vertical(id="form-place"):
            yield Label("Service", id="form-place-label")
            yield Select(
                [(Content("default"), f"{DEFAULT}0")], id="form-container", allow_blank=False,
                compact=True,
            )
            place_id = Input(id="form-container-id", compact=True)
            place_id.cursor_blink = self.blink
            place_id.display = False
            yield place_id
            yield Static(id="form-place-note")

    def on_mount(self) -> None:
        """Start in the title field (the remote defaults to the first one), with the draft
        kept from last time if there is one."""
        saved = self.keeper.saved()
        if saved:
            if saved.get("remote") in dict(self.remotes):
                self.query_one("#form-remote", Select).value = saved["remote"]
            self.restore(saved)
            self.notify("Your unsaved new incident is back.", markup=False, timeout=3)
        self._show_remote(self._remote())
        self.query_one("#form-title").focus()

    def draft_fields(self) -> Fields | None:
        """The typed fields and the chosen remote (only the remote: nothing to keep)."""
        fields = self.fields()
        return {**fields, "remote": self._remote()} if any(fields.values()) else {}

    def _remote(self) -> str:
        return str(self.query_one("#form-remote", Select).value)

    @on(Select.Changed, "#form-remote")
    def _remote_changed(self) -> None:
        self._show_remote(self._remote())

    def _show_remote(self, remote: str) -> None:
        """Fit the fields to ``remote``: its places, and severity only where its kind has
        one (the kinds that cannot edit a severity have none; creating refuses one)."""
        self.show_severity(can(dict(self.remotes).get(remote, ""), Capability.EDIT_SEVERITY))
        self._show_places(remote)

    def _show_places(self, remote: str) -> None:
        """Show the place fields for ``remote`` and start listing its places."""
        if remote == self._places_of:
            return
        self._places_of = remote
        kind = PLACE_KINDS.get(dict(self.remotes).get(remote, ""))
        box = self.query_one("#form-place")
        box.display = kind is not None
        if kind is None:
            return
        self.query_one("#form-place-label", Label).update(kind.noun)
        typed = self.query_one("#form-container-id", Input)
        required = kind.required and not self.defaults.get(remote)
        typed.placeholder = f"{kind.noun} id" + ("" if required else " (empty: the default)")
        # An id typed for another remote means nothing on this one.
        typed.value = ""
        self._places = []
        self._set_places(self._default_label(remote, kind), [])
        self._typed(True)
        if self.lookup is None:
            self._note(f"Type {kind.one} id above{self._or_default(remote, kind)}.")
            return
        self._note(f"Loading {kind.plural}… or type {kind.one} id above.")
        self.load_places(remote)

    def _default_label(self, remote: str, kind: PlaceKind, name: str | None = None) -> str:
        configured = self.defaults.get(remote)
        if configured:
            shown = f"{name} ({configured})" if name else configured
            return clean(f"default: {shown}", single_line=True)
        # What the connector does without a configured place (see Revily ``_service_for``
        # and 4HSE ``_placement``, which refuses).
        if kind.required:
            return f"none configured: choose {kind.one}"
        return f"default: the first {kind.noun.lower()}"

    def _or_default(self, remote: str, kind: PlaceKind) -> str:
        """How the place hints end: an empty place is fine only where there is a default."""
        if kind.required and not self.defaults.get(remote):
            return ""
        return ", or leave it empty for the default"

    def _typed(self, typed: bool) -> None:
        """Offer a free-text id (the list is unavailable) instead of the list."""
        self.query_one("#form-container", Select).display = not typed
        self.query_one("#form-container-id", Input).display = typed

    def _note(self, text: str, *, problem: bool = False) -> None:
        note = self.query_one("#form-place-note", Static)
        note.update(Content(text))
        note.set_class(problem, "-problem")

    @work(exclusive=True, group="places", exit_on_error=False)
    async def load_places(self, remote: str) -> None:
        """List the remote's places on the App's loop (the connectors belong to it)."""
        from incident_tui.config_error import ConfigError
        from incident_tui.remote.errors import RemoteError
        from incident_tui.store.actions import ActionError

        assert self.lookup is not None
        kind = PLACE_KINDS[dict(self.remotes)[remote]]
        try:
            places = await asyncio.wait_for(
                self.lookup(remote, dict(self.remotes)[remote]), LOOKUP_TIMEOUT
            )
        except TimeoutError:
            reason = f"no answer in {LOOKUP_TIMEOUT:g} s"
        except (RemoteError, ActionError, ConfigError, OSError) as error:
            reason = shorten(clean(str(error), single_line=True), 120).rstrip(". ")
        else:
            if remote == self._places_of:
                self._places_loaded(remote, kind, places)
            return
        if remote == self._places_of:
            self._typed(True)
            self._note(
                f"Could not list the {kind.plural}: {reason}. Type {kind.one} id "
                f"above{self._or_default(remote, kind)}.",
                problem=True,
            )

    def _places_loaded(self, remote: str, kind: PlaceKind, places: list[Place]) -> None:
        if not places:
            self._typed(True)
            self._note(
                f"No {kind.plural} known yet. Type {kind.one} id "
                f"above{self._or_default(remote, kind)}."
            )
            return
        names = {place.id: place.label for place in places}
        default = self._default_label(remote, kind, names.get(self.defaults.get(remote, "")))
        self._set_places(default, places)
        self._places = places
        typed = self.query_one("#form-container-id", Input)
        if typed.has_focus or typed.value.strip():
            # Someone is typing an id: swapping the field for the list under them would
            # drop what they typed and the keys that follow.
            self._note(f"{self._listed(kind)}: to pick one, leave the id empty.")
            return
        self._show_list(kind)

    def _listed(self, kind: PlaceKind) -> str:
        """How many places were listed and where from (``3 services on the server``)."""
        count = len(self._places)
        listed = f"{count} {kind.plural if count != 1 else kind.noun.lower()}"
        if kind.plural == "offices":
            return f"{listed} seen in the synced incidents"
        return f"{listed} on the server"

    def _show_list(self, kind: PlaceKind) -> None:
        """Offer the listed places instead of the typed id."""
        self._typed(False)
        self._note(f"{self._listed(kind)}.")

    @on(Input.Blurred, "#form-container-id")
    def _typed_id_left(self, event: Input.Blurred) -> None:
        """Left empty once the places are listed: offer the list."""
        kind = PLACE_KINDS.get(dict(self.remotes).get(self._remote(), ""))
        if kind is not None and self._places and not event.value.strip():
            self._show_list(kind)

    def _set_places(self, default: str, places: list[Place]) -> None:
        """Offer "default" and ``places``, with "default" chosen.

        Select only redraws its closed line when the value changes, so every new set of
        options gets a "default" value of its own; otherwise a renamed default would keep
        showing its old label.
        """
        self._default_choices += 1
        options = [(Content(default), f"{DEFAULT}{self._default_choices}")]
        options += [
            (Content(clean(f"{place.label} ({place.id})", single_line=True)), place.id)
            for place in places
        ]
        self.query_one("#form-container", Select).set_options(options)

    def container(self) -> str | None:
        """The chosen place id, or ``None`` for the connector's default."""
        if not self.query_one("#form-place").display:
            return None
        typed = self.query_one("#form-container-id", Input)
        if typed.display:
            return typed.value.strip() or None
        chosen = self.query_one("#form-container", Select).value
        if chosen == Select.NULL or str(chosen).startswith(DEFAULT):
            return None
        return str(chosen)

    def action_submit(self) -> None:
        """Check the title, then return the draft."""
        title, description, severity = self.values()
        if not title:
            self.notify("A new incident needs a title.", severity="warning", markup=False)
            return
        remote = self._remote()
        kind = dict(self.remotes).get(remote, "")
        place = PLACE_KINDS.get(kind)
        if place and place.required and not self.container() and not self.defaults.get(remote):
            # The sync would refuse it: say so now, while the dialog is open.
            self.notify(
                f"{KIND_TITLES.get(kind, kind)} creates every incident in an "
                f"{place.noun.lower()}: choose one or type its id (or set "
                f"{place.config_key} for remote {remote}).",
                severity="warning", markup=False,
            )
            return
        chosen = severity.value if severity else None
        refused = self.check(remote, self.container(), chosen) if self.check else None
        if refused:
            self.notify(clean(refused, single_line=True), severity="warning", markup=False)
            return
        draft = Draft(
            title=title,
            # As typed but for the blank lines closing it: pasted output keeps the
            # indentation of its first line.
            description=description.rstrip() or None,
            severity=severity,
            container=self.container(),
        )
        self.keeper.sent()
        self.dismiss(NewIncident(remote, kind, draft))


async def lookup_places(ctx: UiContext, remote: str, kind: str) -> list[Place]:
    """A remote's places: Revily's services from the server, 4HSE's offices from the cache.

    Runs on the App's loop; raises ``RemoteError`` / ``ActionError`` when they cannot be
    listed.
    """
    services = ctx.services
    if kind == "revily":
        listed = await services.online().services(remote)
        places = []
        for service in listed:
            label = str(service.get("name") or service["id"])
            if service.get("state") not in (None, "", "ok", "enabled"):
                label += f" [{service['state']}]"
            places.append(Place(str(service["id"]), label))
        return places
    if kind == "fourhse":
        return await asyncio.to_thread(cached_offices, ctx, remote)
    return []


def cached_offices(ctx: UiContext, remote: str) -> list[Place]:
    """The 4HSE offices (``subtenant_id``) of the remote's cached incidents, most used
    first, named by their ``office_name``. Blocking: call it in a thread."""
    rows = ctx.services.background().query(
        "SELECT container, MAX(json_extract(extra, '$.office_name')), COUNT(*) AS n "
        "FROM incident WHERE remote = ? AND container IS NOT NULL AND container != '' "
        "GROUP BY container ORDER BY n DESC, container",
        [remote],
    )
    return [Place(str(office), str(name or office)) for office, name, _ in rows]


def open_new_incident(app: App[Any], ctx: UiContext) -> None:
    """Show the dialog for the configured remotes; a result is queued through the intents."""
    settings = ctx.services.settings_if_valid()
    if settings is None:
        return
    remotes: list[tuple[str, str]] = [
        (remote.name, remote.kind)
        for remote in settings.remotes
        if can(remote.kind, Capability.CREATE)
    ]
    if not remotes:
        app.notify(
            "No remote is configured to create incidents on.", severity="warning", markup=False
        )
        return
    defaults: dict[str, str] = {}
    for remote in settings.remotes:
        place_kind = PLACE_KINDS.get(remote.kind)
        configured = getattr(remote, place_kind.config_key, None) if place_kind else None
        if configured:
            defaults[remote.name] = str(configured)

    drafts = ctx.services.drafts

    def created(result: NewIncident | None) -> None:
        if result is not None:
            ctx.intents.create(
                result.remote, result.kind, result.draft, done=lambda: drafts.drop(DRAFT_KEY)
            )

    async def lookup(remote: str, kind: str) -> list[Place]:
        return await lookup_places(ctx, remote, kind)

    def check(name: str, place: str | None, severity: str | None) -> str | None:
        from incident_tui.remote.create_refusal import create_refused

        return create_refused(settings.remote(name), place, severity)

    blink = bool(getattr(app, "cursor_blink", True))
    screen = NewIncidentScreen(
        remotes, blink=blink, lookup=lookup, defaults=defaults, drafts=drafts, check=check
    )
    app.push_screen(screen, created)
