"""The TUI's bindable commands: id, default keys, description and help text.

Plain data without Textual, so the settings can check a ``[keys]`` table against it and the
UI can build its bindings, help screen and hints from the same table.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple

from incident_tui.domain.capabilities import KIND_CAPABILITIES, KIND_TITLES, Capability


class Key(NamedTuple):
    """One bindable command."""

    id: str
    key: str
    """Default key(s), Textual names, comma separated."""
    action: str
    description: str
    where: str
    """``everywhere``, ``list``, ``detail`` or ``list, detail`` (for the help screen)."""
    show: bool = True


KEYS: tuple[Key, ...] = (
    Key("open", "enter", "open", "Open", "list", show=False),
    Key("acknowledge", "a", "acknowledge", "Ack", "list, detail"),
    Key("resolve", "r", "resolve", "Resolve", "list, detail"),
    Key("select", "space", "select", "Select", "list", show=False),
    Key("comment", "c", "comment", "Comment", "list, detail"),
    Key("new", "n", "new_incident", "New", "everywhere", show=False),
    Key("search", "slash", "search", "Search", "list"),
    Key("filter", "f", "filter", "Filter", "list"),
    Key("sort", "o", "sort", "Sort", "list", show=False),
    Key("reopen", "R", "reopen", "Reopen", "list, detail", show=False),
    Key("edit", "e", "edit", "Edit", "list, detail", show=False),
    Key("delete", "delete", "delete", "Delete", "list, detail", show=False),
    Key("download", "D", "download_attachment", "Download", "detail"),
    Key("upload", "u", "upload_attachment", "Upload", "detail", show=False),
    Key("delete_attachment", "X", "delete_attachment", "Del file", "detail", show=False),
    Key("export_pdf", "p", "export_pdf", "PDF", "detail"),
    Key("attribute", "t", "set_attribute", "Attribute", "detail"),
    Key("delete_comment", "C", "delete_comment", "Del comment", "detail", show=False),
    Key("earlier_comments", "o", "earlier_comments", "Earlier", "detail", show=False),
    Key("retry", "A", "retry_change", "Retry", "detail", show=False),
    Key("discard", "x", "discard_change", "Discard", "detail", show=False),
    Key("keep_mine", "m", "keep_mine", "Keep mine", "detail", show=False),
    Key("take_theirs", "T", "take_theirs", "Take theirs", "detail", show=False),
    Key("export", "x", "export", "Export", "list", show=False),
    Key("dashboard", "d", "dashboard", "Dashboard", "everywhere", show=False),
    Key("handover", "h", "handover", "Handover", "everywhere", show=False),
    Key("sync", "s", "sync", "Sync", "everywhere", show=False),
    Key("remotes", "S", "remotes", "Remotes", "everywhere", show=False),
    Key("back", "escape", "back", "Back", "everywhere", show=False),
    Key("help", "question_mark", "help", "Help", "everywhere"),
    Key("quit", "q", "quit", "Quit", "everywhere"),
)
"""The defaults of interface.md plus sort / reopen / edit / delete, the answers to a refused
or contested change (retry, discard, keep mine, take theirs), the earlier comments of a long
thread and the remotes' states."""

BY_ID: dict[str, Key] = {key.id: key for key in KEYS}

SCREENS = ("list", "detail")
"""The screens the ``where`` of a key names; ``everywhere`` keys are bound on each of them."""


def _screens(key: Key) -> set[str]:
    if key.where == "everywhere":
        return set(SCREENS)
    return {part.strip() for part in key.where.split(",")}


def keys_of(pressed: str) -> list[str]:
    """The keys of a binding's comma-separated ``pressed``, each once: a key listed twice
    (``q,q``, or ``?,question_mark`` once Textual names both) binds the command only once
    and clashes with nothing."""
    return list(dict.fromkeys(part.strip() for part in pressed.split(",")))


def clashes(keymap: Mapping[str, str]) -> list[tuple[str, ...]]:
    """Commands that the user's ``keymap`` leaves on one key of one screen, by binding id
    (sorted), one group per key; groups without an overridden command are left out.

    Textual reports a clash only when both bindings were moved: ``select = "x"`` takes the
    list's ``x`` from export without a word. On a screen the screen's own binding of a key
    also wins over an ``everywhere`` one (``help = "a"`` would never open the help on the
    list), which Textual does not report either."""
    found: dict[tuple[str, ...], None] = {}
    for screen in SCREENS:
        holders: dict[str, list[str]] = {}
        for key in KEYS:
            if screen not in _screens(key):
                continue
            for pressed in keys_of(keymap.get(key.id, key.key)):
                holders.setdefault(pressed, []).append(key.id)
        for ids in holders.values():
            if len(ids) > 1 and any(i in keymap for i in ids):
                found[tuple(sorted(ids))] = None
    return list(found)


class ScreenClash(NamedTuple):
    """Bindings that share one key on a screen with keys of its own (see
    :func:`screen_clashes`)."""

    screen: str
    key: str
    ids: tuple[str, ...]
    """Every binding id on the key there, sorted."""
    wins: str
    """The binding the key runs on that screen."""


def screen_clashes(
    keymap: Mapping[str, str], screens: Mapping[str, Sequence[tuple[str, str]]]
) -> list[ScreenClash]:
    """Where the user's ``keymap`` puts an ``everywhere`` command on a key that a screen
    outside :data:`SCREENS` binds itself; ``screens``: screen name to its own bindings as
    (binding id, default keys), as the UI declares them (this module knows no screen).

    The App binds the ``everywhere`` commands, and a screen's own binding of a key wins
    over the App's: ``sync = "w"`` does nothing on the dashboard, whose ``w`` changes the
    window, and Textual says nothing. A command the screen binds itself (``back``) moves
    there with the keymap, and then takes the key from the screen's own binding. Groups
    without an overridden command are left out, as in :func:`clashes`."""
    found: list[ScreenClash] = []
    app_wide = [key for key in KEYS if key.where == "everywhere"]
    for screen, own in screens.items():
        own_ids = {binding_id for binding_id, _ in own}
        # (id, rank): a moved binding of the screen beats its fixed ones, and any binding
        # of the screen beats the App's.
        holders: dict[str, list[tuple[str, int]]] = {}
        for binding_id, default in own:
            rank = 2 if binding_id in keymap else 1
            for pressed in keys_of(keymap.get(binding_id, default)):
                holders.setdefault(pressed, []).append((binding_id, rank))
        for key in app_wide:
            if key.id in own_ids:
                continue
            for pressed in keys_of(keymap.get(key.id, key.key)):
                holders.setdefault(pressed, []).append((key.id, 0))
        for pressed, held in holders.items():
            ids = [binding_id for binding_id, _ in held]
            # Only App-wide commands on one key: :func:`clashes` reports those already.
            if len(held) < 2 or all(rank == 0 for _, rank in held):
                continue
            if any(binding_id in keymap for binding_id in ids):
                wins = max(held, key=lambda item: item[1])[0]
                found.append(ScreenClash(screen, pressed, tuple(sorted(ids)), wins))
    return found


class Held(NamedTuple):
    """A key that something the key settings do not move binds on a screen: Textual itself
    (quit on ctrl+q, focus next on tab) or the widget with the focus there (the list's
    cursor down). Plain data: the UI reads these from their ``BINDINGS``."""

    key: str
    owner: str
    """Whose binding it is, as a possessive: ``Textual's``, ``the list's``."""
    action: str
    """What it does, in words: ``quit``, ``cursor down``."""
    node: str
    """Where it is bound: ``widget`` (the focused one), ``screen`` or ``app``."""
    priority: bool = False
    """Asked before every other binding (Textual's quit and command palette)."""
    only_when: str = ""
    """When it acts, in words (``text is selected``), for a binding that otherwise lets the
    key go on to the next one (Textual's copy text); empty when it always acts."""


NODES = ("widget", "screen", "app")
"""The order Textual asks for a key's binding, after the priority ones: the focused widget,
then up through the screen to the App."""


class HeldClash(NamedTuple):
    """A command the key settings put on a key that something else holds there (see
    :func:`held_clashes`)."""

    screens: tuple[str, ...]
    key: str
    id: str
    held: Held
    wins: bool
    """Whether the command runs on the key; if not, the held binding does."""


def held_clashes(
    keymap: Mapping[str, str], held: Mapping[str, Sequence[Held]], app_bound: Collection[str]
) -> list[HeldClash]:
    """Where the user's ``keymap`` puts a command on a key that the screen holds for
    something else (``held``: screen name to its :class:`Held` keys); ``app_bound``: the
    binding ids the App binds (the others are bound on the screens of their ``where``).

    Textual says nothing of a command that loses the key (``acknowledge = "down"``: the
    focused list's down only moves the cursor), and names only the binding a command took
    the key from, by an id Textual's own bindings lack (``sync = "ctrl+q"``, which is
    Textual's quit). One clash for all the screens where it is the same."""
    found: dict[tuple[str, str, Held, bool], list[str]] = {}
    for screen, holding in held.items():
        for key in KEYS:
            if key.id not in keymap or screen not in _screens(key):
                continue
            node = "app" if key.id in app_bound else "screen"
            for pressed in sorted(keys_of(keymap[key.id])):
                for other in holding:
                    if other.key != pressed:
                        continue
                    # On one node the keymap's binding replaces the other; else the
                    # priority ones are asked first, then the nodes in order.
                    wins = other.node == node or (
                        not other.priority and NODES.index(node) < NODES.index(other.node)
                    )
                    found.setdefault((pressed, key.id, other, wins), []).append(screen)
    return [
        HeldClash(tuple(screens), pressed, binding_id, other, wins)
        for (pressed, binding_id, other, wins), screens in found.items()
    ]


def _for_kinds(text: str, capability: Capability) -> str:
    """Help for a command only some kinds support, naming them from the capability table
    (so the help follows it when a connector learns something new)."""
    kinds = [KIND_TITLES[k] for k, caps in KIND_CAPABILITIES.items() if capability in caps]
    return f"{text} ({', '.join(kinds)})"


HELP_TEXT: dict[str, str] = {
    "open": "open the incident under the cursor",
    "acknowledge": "acknowledge the selection, or the cursor's",
    "resolve": "resolve the selection, or the cursor's",
    "select": "select / unselect for bulk actions",
    "comment": "write a comment (ctrl+s sends)",
    "new": "create a new incident",
    "search": "search as you type (escape clears)",
    "filter": "filter by status, remote, severity",
    "sort": "order: newest, oldest, severity, updated",
    "reopen": "reopen the selection, or the cursor's",
    "edit": "edit title, description, severity",
    "delete": "delete the selection or the cursor's (asks)",
    "download": _for_kinds("download a file", Capability.DOWNLOAD),
    "upload": _for_kinds("upload a file as an attachment", Capability.ATTACHMENTS),
    "delete_attachment": "delete an attachment (asks first)",
    "export_pdf": _for_kinds("save the incident's PDF report", Capability.PDF_REPORT),
    "attribute": _for_kinds("add or change an attribute", Capability.ATTRIBUTES),
    "delete_comment": "delete a comment (asks first)",
    "earlier_comments": "show earlier comments of a long thread",
    "retry": "send a refused change again",
    "discard": "drop a refused change (asks first)",
    "keep_mine": "conflict: keep mine, push it over theirs",
    "take_theirs": "conflict: take theirs, drop mine (asks)",
    "export": "export the filtered list as CSV or JSON",
    "dashboard": "dashboard (1/2/3 or w window, v check)",
    # +/- step through the handover screen's HOURS (handover --hours goes up to a year).
    "handover": "handover (c/j copy, w save, +/- 4 to 72 h, k e-mail)",
    "sync": "sync every remote now",
    "remotes": "each remote's state and full last error",
    "back": "back; clear the selection or search",
    "help": "this help",
    "quit": "quit",
}
