"""The shipped themes: TOML files in ``themes/`` (package ``incident_tui.themes``) turned into
Textual ``Theme`` objects, and the defaults of the incident colour variables.

Severity, status, sync-state and list colours are theme *variables*, so a theme file only has
to name the colours it wants to change and every widget (CSS and the list's Strips) follows.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from textual.color import Color, ColorParseError
from textual.css.errors import DeclarationError
from textual.css.parse import parse_declarations
from textual.css.tokenizer import TokenError
from textual.design import ColorSystem
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
    "list-selected-text-style": "none",
}
"""Fallbacks for every incident-tui variable, so Textual's built-in themes work too."""

_THEME_FIELDS = frozenset(f.name for f in fields(Theme))

SIXTEEN_COLOURS = "colours-16"
"""The table of a theme file holding what changes on a terminal of 16 colours."""

_COLOUR_FIELDS = (
    "primary", "secondary", "warning", "error", "success", "accent", "foreground",
    "background", "surface", "panel", "boost",
)
"""The ``Theme`` fields Textual parses as colours (``ColorSystem``)."""

_FLAG_FIELDS = ("dark", "ansi")
_NUMBER_FIELDS = ("luminosity_spread", "text_alpha")

_COLOUR_EXAMPLE = "e.g. '#4C9AFF', 'red' or 'rgb(76, 154, 255)'"
_STYLE_EXAMPLE = "e.g. 'bold' or 'reverse bold'"


@dataclass
class ShippedTheme(Theme):
    """A theme read from a file, with its look on a terminal of 16 colours, if it has one."""

    sixteen: Theme | None = None
    """The theme with the file's ``[colours-16]`` laid over it.

    Rich gives a 16-colour terminal (no ``COLORTERM``: ``TERM=xterm``, ``screen``,
    ``linux``) the nearest of its colours: a dark grey bar and a blue cursor both become
    the terminal's grey, on which its red and blue cannot be read."""

    def for_colours(self, color_system: str | None) -> Theme:
        """The theme to draw with on a terminal of ``color_system`` (Rich's name)."""
        if color_system in ("standard", "windows") and self.sixteen is not None:
            return self.sixteen
        return self


class ThemeFileError(Exception):
    """A theme file cannot be read, names an unknown key or holds a value Textual refuses."""


class ThemeProblem(NamedTuple):
    """A theme file that was skipped, and why."""

    path: Path
    name: str
    """The theme the file would have defined (its ``name``, else the file's stem)."""
    error: ThemeFileError


class LoadedThemes(NamedTuple):
    """What :func:`load_themes` found: the themes that load, and the files that do not."""

    themes: list[Theme]
    problems: list[ThemeProblem]


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


def theme_from_mapping(data: dict[str, Any], *, source: str = "theme") -> ShippedTheme:
    """Build a ``Theme`` from parsed TOML; unknown keys and values Textual would refuse are
    an error (typos fail loudly).

    Checked here, not when the theme is applied: Textual parses the colours only then, and
    a bad one ended the TUI with its crash screen."""
    data = dict(data)
    sixteen = data.pop(SIXTEEN_COLOURS, None)
    unknown = set(data) - _THEME_FIELDS
    if unknown:
        raise ThemeFileError(f"{source}: unknown keys {', '.join(sorted(unknown))}")
    if "name" not in data or "primary" not in data:
        raise ThemeFileError(f"{source}: needs at least 'name' and 'primary'")
    problem = _value_problem(data)
    if problem:
        raise ThemeFileError(f"{source}: {problem}")
    values = dict(data)
    values["variables"] = _variables(data)
    try:
        theme = ShippedTheme(**values)
    except TypeError as exc:
        raise ThemeFileError(f"{source}: {exc}") from None
    if sixteen is not None:
        theme.sixteen = _sixteen_colours(theme, sixteen, source)
    return theme


def _variables(data: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(data.get("variables", {})).items()}


def _sixteen_colours(theme: Theme, table: object, source: str) -> Theme:
    """``theme`` with a file's ``[colours-16]`` (colours and ``variables``) laid over it."""
    where = f"{source}: {SIXTEEN_COLOURS}"
    if not isinstance(table, dict):
        raise ThemeFileError(f"{where}: must be a table ([{SIXTEEN_COLOURS}])")
    unknown = set(table) - {*_COLOUR_FIELDS, "variables"}
    if unknown:
        raise ThemeFileError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    problem = _value_problem({"name": theme.name, **table})
    if problem:
        raise ThemeFileError(f"{where}.{problem}")
    values: dict[str, Any] = {f.name: getattr(theme, f.name) for f in fields(Theme)}
    values.update((key, str(value)) for key, value in table.items() if key != "variables")
    values["variables"] = {**theme.variables, **_variables(table)}
    return Theme(**values)


def _value_problem(data: dict[str, Any]) -> str:
    """The first value of a theme's table Textual would refuse, as ``key: why``; ``""``."""
    if not isinstance(data["name"], str) or not data["name"].strip():
        return "name: must be a non-empty string"
    for key in _COLOUR_FIELDS:
        if key in data and (why := _colour_problem(data[key])):
            return f"{key}: {why}"
    for key in _FLAG_FIELDS:
        if key in data and not isinstance(data[key], bool):
            return f"{key}: must be true or false"
    for key in _NUMBER_FIELDS:
        # bool is an int to Python, not a number to a theme.
        if key in data and (isinstance(data[key], bool) or not isinstance(data[key], int | float)):
            return f"{key}: must be a number"
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        return "variables: must be a table ([variables])"
    for name, value in variables.items():
        if why := _variable_problem(str(name), value):
            return f"variables.{name}: {why}"
    return ""


def _colour_problem(value: object) -> str:
    """Why Textual's ``Color.parse`` (what the theme's colours go through) refuses
    ``value``; ``""`` when it takes it."""
    if not isinstance(value, str):
        return f"{value!r} is not a colour ({_COLOUR_EXAMPLE})"
    try:
        Color.parse(value)
    except ColorParseError as exc:
        hint = f"did you mean {exc.suggested_color!r}?" if exc.suggested_color else _COLOUR_EXAMPLE
        return f"{value!r} is not a colour ({hint})"
    return ""


def _variable_problem(name: str, value: object) -> str:
    """Why the stylesheet would refuse ``value`` for variable ``name``: it must be the kind
    of value the variable's default is (a colour or a text style); ``""`` when it fits.

    A plain colour is checked first, without the CSS parser: the shipped themes are all
    colours but one or two, and this runs before the first paint."""
    if not isinstance(value, str):
        return f"{value!r} is not text"
    kind = _variable_kind(name)
    if kind == "color":
        if _is_colour(value) or _fits("color", value):
            return ""
        return f"{value!r} is not a colour ({_COLOUR_EXAMPLE})"
    if kind == "text-style" and not _fits("text-style", value):
        return f"{value!r} is not a text style ({_STYLE_EXAMPLE})"
    return ""


def _variable_kind(name: str) -> str:
    """``color`` or ``text-style``: what the variable's default is; ``""`` when it is
    neither, or the variable is none of incident-tui's or Textual's (nothing reads it)."""
    default = THEME_VARIABLE_DEFAULTS.get(name)
    if default is None:
        default = _textual_variables().get(name)
    if default is None:
        return ""
    if _is_colour(default) or _fits("color", default):
        return "color"
    return "text-style" if _fits("text-style", default) else ""


@cache
def _textual_variables() -> dict[str, str]:
    """Textual's own theme variables with their values for a stock theme (the kind of value
    each takes)."""
    return ColorSystem(primary="#000000").generate()


def _is_colour(value: str) -> bool:
    try:
        Color.parse(value)
    except ColorParseError:
        return False
    return True


def _fits(css_property: str, value: str) -> bool:
    """Whether Textual's CSS parser takes ``value`` for ``css_property``, as the stylesheet
    would once the variable is put in."""
    try:
        parse_declarations(f"{css_property}: {value};", ("theme", ""))
    except (DeclarationError, TokenError):
        return False
    return True


def load_theme_file(path: Path) -> Theme:
    """Read one theme file; :class:`ThemeFileError` naming it and what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ThemeFileError(f"{path}: {exc}") from None
    return theme_from_mapping(data, source=str(path))


def load_themes(folder: Path | None = None) -> LoadedThemes:
    """Every theme in ``folder`` (default: the shipped ones), sorted by file name; a file
    that does not load is left out and named in ``problems``, so that one bad file does
    not keep the TUI from opening."""
    where = folder or theme_dir()
    themes: list[Theme] = []
    problems: list[ThemeProblem] = []
    for path in sorted(where.glob("*.toml")):
        try:
            themes.append(load_theme_file(path))
        except ThemeFileError as error:
            problems.append(ThemeProblem(path, _claimed_name(path), error))
    return LoadedThemes(themes, problems)


def _claimed_name(path: Path) -> str:
    """The theme a file that did not load meant to define: its ``name`` when that much can
    be read, else the file's stem."""
    try:
        name = tomllib.loads(path.read_text(encoding="utf-8")).get("name")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return path.stem
    return name if isinstance(name, str) and name.strip() else path.stem
