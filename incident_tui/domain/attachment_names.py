"""How the user names an attachment on the command line: the one rule that ``download`` and
``delete-attachment`` both follow, so a name one accepts the other accepts too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from incident_tui.domain.text import clean


def names_attachment(which: str, attachment: Mapping[str, Any]) -> bool:
    """Whether ``which`` picks this attachment: its name as stored or as shown (control
    characters and escape sequences removed, as ``show`` prints it), its remote id, or the
    number ``show`` lists it with (``7``, ``#7``)."""
    name = str(attachment["name"])
    seq = attachment.get("seq")
    numbers = (str(seq), f"#{seq}") if seq is not None else ()
    remote_id = attachment.get("remote_id")
    ids = (str(remote_id),) if remote_id else ()
    return which in (name, clean(name, single_line=True), *ids, *numbers)


def told_apart(attachment: Mapping[str, Any]) -> str:
    """``#3 text/plain 7 bytes pending upload``: an attachment as ``show`` lists it, less the
    name that several share (its remote id where it has no number yet)."""
    seq = attachment.get("seq")
    label = f"#{seq}" if seq is not None else str(attachment["remote_id"])
    parts = [clean(label, single_line=True)]
    if attachment.get("content_type"):
        parts.append(clean(attachment["content_type"], single_line=True))
    if attachment.get("size") is not None:
        parts.append(f"{attachment['size']} bytes")
    if attachment.get("pending"):
        parts.append("pending upload")
    return " ".join(parts)
