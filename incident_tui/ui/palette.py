"""The incident commands of the command palette (ctrl+p): what each entry says, which action
it runs, and which of them apply on the screen at hand.

The App offers them after Textual's own (theme, keys, quit...); each one runs on the screen
if the screen has the action, else on the App, and only when that target allows it now.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.screen import Screen

PALETTE: tuple[tuple[str, str, str], ...] = (
    ("Open incident", "Open the incident under the cursor", "open"),
    ("Acknowledge", "Acknowledge the selection or the incident under the cursor", "acknowledge"),
    ("Resolve", "Resolve the selection or the incident under the cursor", "resolve"),
    ("Reopen", "Reopen the selection or the incident under the cursor", "reopen"),
    ("Select / unselect", "Toggle the incident under the cursor for bulk actions", "select"),
    ("Comment", "Write a comment on the incident", "comment"),
    ("Edit incident", "Edit title, description and severity", "edit"),
    ("Delete incident", "Delete the selection or the incident (asks first)", "delete"),
    ("Download attachment", "Save an attachment in the download folder", "download_attachment"),
    ("Upload attachment", "Queue uploading a local file to the incident", "upload_attachment"),
    ("Delete attachment", "Delete an attachment of the incident (asks first)", "delete_attachment"),
    ("Export PDF", "Save the remote's PDF report of the incident", "export_pdf"),
    ("Set attribute", "Add or change a custom attribute of the incident", "set_attribute"),
    ("Delete comment", "Delete a comment of the incident (asks first)", "delete_comment"),
    ("Earlier comments", "Show earlier comments above those shown", "earlier_comments"),
    ("Retry refused change", "Send a change the remote refused again", "retry_change"),
    ("Discard refused change", "Drop a change the remote refused (asks first)", "discard_change"),
    ("Keep mine (conflict)", "Push my change over the remote's values", "keep_mine"),
    ("Take theirs (conflict)", "Take the remote's values, drop my change (asks first)",
     "take_theirs"),
    ("Export list", "Save the filtered list as CSV or JSON in the download folder", "export"),
    ("New incident", "Create an incident on a configured remote", "new_incident"),
    ("Search", "Search as you type", "search"),
    ("Filter", "Filter by status, remote and severity", "filter"),
    ("Sort", "Cycle the order of the list", "sort"),
    ("Sync now", "Pull and push every remote now", "sync"),
    ("Remotes", "Each remote's sync state, last sync and full last error", "remotes"),
    ("Dashboard", "Charts of the cached incidents", "dashboard"),
    ("Handover", "Shift handover summary", "handover"),
    ("Help", "Keys and what they do", "help"),
)
"""Command palette entries: title, help, action (run on the screen if it has it, else app)."""


def incident_commands(app: App[Any], screen: Screen[Any]) -> Iterator[SystemCommand]:
    """The :data:`PALETTE` entries whose action applies now, each bound to its target."""
    for title, help_text, action in PALETTE:
        target: DOMNode | None = None
        if hasattr(screen, f"action_{action}"):
            target = screen
        elif hasattr(app, f"action_{action}"):
            target = app
        if target is not None and target.check_action(action, ()) is True:
            yield SystemCommand(title, help_text, partial(app.run_action, action, target))
