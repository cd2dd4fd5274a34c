"""The Textual user interface: the only package that imports Textual.

Importing this package is free; ``make_app`` is loaded on first use, so ``import
incident_tui.ui`` never pulls Textual (or anything else) into a process that does not draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from incident_tui.ui.app import IncidentApp, make_app

__all__ = ["IncidentApp", "make_app"]


def __getattr__(name: str) -> Any:
    """Load ``make_app`` / ``IncidentApp`` lazily from :mod:`incident_tui.ui.app`."""
    if name in __all__:
        from incident_tui.ui import app

        return getattr(app, name)
    raise AttributeError(name)
