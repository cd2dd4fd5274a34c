"""The shipped themes: TOML files in ``themes/`` (package ``incident_tui.themes``) turned into
Textual ``Theme`` objects, and the defaults of the incident colour variables.

Severity, status, sync-state and list colours are theme *variables*, so a theme file only has
to name the colours it wants to change and every widget (CSS and the list's Strips) follows.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

from textual.theme import Theme

DEFAULT_THEME = "incident-dark"

THEME_VARIABLE_DEFAULTS: dict[str, str] = {
    "severity-critical": "#FF5C6C",
    "severity-major": "#FF9F43",
    "severity-minor": "#E8D36A",
    "severity-none": "#8A8F98",
    "status-triggered": "#FF6B7A",
    "status-acknowledged": "#F5B94A",
    "status-resolved": "#4CC38A",
    "sync-ok": "#4CC38A",
    "sync-failing": "#FF5C6C",
    "sync-offline": "#F5B94A",
    "sync-never": "#8A8F98",
    "mark-pending": "#5CC8FF",
    "mark-conflict": "#D67CFF",
    "mark-failed": "#FF5C6C",
    "list-cursor-background": "#2B4A78",
    "list-cursor-text-style": "bold",
    "list-selected-background": "#3A2F55",
}
"""Fallbacks for every incident-tui variable, so Textual's built-in themes work too."""

_THEME_FIELDS = frozenset(f.name for f in fields(Theme))


class ThemeFileError(Exception):
    """A theme file cannot be read or names an unknown key."""


def theme_dir() -> Path:
    """The folder holding the shipped ``*.toml`` themes.

    Installed, it is the package ``incident_tui.themes`` (``incident_tui/themes``); in a
    source checkout (the editable finder cannot see that ``__init__``-less package) it is the
    top-level ``themes/`` folder. Looked up by path, not importlib.resources, which would cost
    the first paint ~6 ms of imports.
    """
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "themes", package.parent / "themes"):
        if candidate.is_dir():
            return candidate
    return package / "themes"


def theme_from_mapping(data: dict[str, Any], *, source: str = "theme") -> Theme:
    """Build a ``Theme`` from parsed TOML; unknown keys are an error (typos fail loudly)."""
    unknown = set(data) - _THEME_FIELDS
    if unknown:
        raise ThemeFileError(f"{source}: unknown keys {', '.join(sorted(unknown))}")
    if "name" not in data or "primary" not in data:
        raise ThemeFileError(f"{source}: needs at least 'name' and 'primary'")
    values = dict(data)
    values["variables"] = {str(k): str(v) for k, v in dict(data.get("variables", {})).items()}
    try:
        return Theme(**values)
    except TypeError as exc:
        raise ThemeFileError(f"{source}: {exc}") from None


def load_theme_file(path: Path) -> Theme:
    """Read one theme file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ThemeFileError(f"{path}: {exc}") from None
    return theme_from_mapping(data, source=str(path))


def load_themes(folder: Path | None = None) -> list[Theme]:
    """Every theme in ``folder`` (default: the shipped ones), sorted by file name."""
    where = folder or theme_dir()
    return [load_theme_file(path) for path in sorted(where.glob("*.toml"))]
