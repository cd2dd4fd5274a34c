"""Settings: the TOML config file, overridden by ``INCIDENT_TUI_*`` variables, overridden by flags.

Every field carries a docstring; :func:`load_settings` turns any problem into one
:class:`ConfigError` line naming the file, the key and what is wrong. The remotes' tables are
modelled in :mod:`incident_tui.config_remotes`.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
)
from pydantic_core import InitErrorDetails
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from incident_tui import paths
from incident_tui.config_error import ConfigError
from incident_tui.config_remotes import RemoteBase, RemoteConfig
from incident_tui.config_variables import ENV_PREFIX, stray_variables
from incident_tui.domain.handover import MAX_HOURS
from incident_tui.domain.model import KINDS
from incident_tui.keymap import BY_ID

PATH_SETTINGS = ("db", "download_dir")
"""The settings that name a file or folder: relative in the config file, they are relative to
the file's folder (:func:`beside_config`)."""

_PATH_DEFAULTS = {"db": "the default cache", "download_dir": "the default folder"}
"""What each of :data:`PATH_SETTINGS` is when left out, for the error of an empty one."""


def _key_names(pressed: str) -> str | None:
    """Why a ``[keys]`` value will not do; ``None`` when it will. Each of its comma-separated
    keys must be one Textual delivers: a binding on any other name never fires, and the
    command it moved is left with no key."""
    from incident_tui.key_names import key_problem

    for key in pressed.split(","):
        problem = key_problem(key.strip())
        if problem:
            return problem
    return None


def _value_error(loc: tuple[str, ...], value: Any, message: str) -> InitErrorDetails:
    """A problem as pydantic reports one a validator raised as ``ValueError``."""
    return {"type": "value_error", "loc": loc, "input": value, "ctx": {"error": message}}


class Settings(BaseSettings):
    """Everything incident-tui can be told, from file, environment or flags."""

    # No infinite or NaN number anywhere: ``poll_seconds = inf`` would never sync again.
    # An empty variable is no setting, as for INCIDENT_TUI_CONFIG (``INCIDENT_TUI_DB=`` was
    # the current folder, refused as "a folder, not a cache file").
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, env_nested_delimiter="__",
        allow_inf_nan=False, env_ignore_empty=True,
    )

    config: Path | None = None
    """The config file this came from (``--config`` / ``INCIDENT_TUI_CONFIG``)."""
    db: Path | None = None
    """The SQLite cache (``--db`` / ``INCIDENT_TUI_DB``)."""
    theme: str = "incident-dark"
    """A theme from themes/ (incident-dark, incident-light, incident-contrast) or Textual's."""
    poll_seconds: float = Field(default=30.0, ge=1)
    """Background sync period in the TUI."""
    bell: bool = True
    """Ring the terminal bell and show a notice when a new critical or major incident arrives."""
    keys: dict[str, str] = Field(default_factory=dict)
    """Key overrides: binding id to keys, e.g. ``acknowledge = "ctrl+a"``."""
    stale_hours: float = Field(default=24.0, gt=0, le=MAX_HOURS)
    """An open incident with no update for this long counts as stale in the handover (at most
    a year, as ``handover --hours``: far more would overflow the date arithmetic)."""
    download_dir: Path | None = None
    """Where downloads and exports are saved (default ~/Downloads/incident-tui)."""
    hydrate_limit: int = Field(default=200, ge=0)
    """Most incidents whose comments and details are fetched per remote in one sync pass."""
    remotes: list[RemoteConfig] = Field(default_factory=list)
    """The incident systems to sync with."""

    @field_validator(*PATH_SETTINGS, mode="before")
    @classmethod
    def _names_something(cls, value: Any, info: ValidationInfo) -> Any:
        # An empty path is the working folder: ``db = ""`` was refused as "a folder, not a
        # cache file" pointing at --db, and ``download_dir = ""`` saved into wherever a
        # command ran.
        if isinstance(value, str) and not value.strip():
            raise ValueError(
                f"is empty, which names no file or folder: leave {info.field_name} out for "
                f"{_PATH_DEFAULTS.get(info.field_name or '', 'the default')}"
            )
        return value

    @field_validator(*PATH_SETTINGS)
    @classmethod
    def _from_home(cls, path: Path | None) -> Path | None:
        # A shell expands "~" in a flag, but nothing expands it in the config file or the
        # environment, where it would name a folder called "~".
        if path is None:
            return None
        try:
            return path.expanduser()
        except RuntimeError:
            raise ValueError(f"{path}: no home folder is known for {path.parts[0]}") from None

    @field_validator("keys", mode="wrap")
    @classmethod
    def _known_bindings(
        cls, value: Any, handler: ValidatorFunctionWrapHandler
    ) -> dict[str, str]:
        # Every problem of the table at once, in its order: checked one after another, a
        # typo'd binding id went unnamed until its bad key names were fixed. Textual ignores
        # a keymap entry whose id no binding has, so a typo would silently leave the default
        # key in force.
        try:
            keys: dict[str, str] = handler(value)
            typed: dict[Any, dict[str, Any]] = {}
        except ValidationError as exc:
            if not isinstance(value, Mapping):
                raise
            # A value of another type (``sync = 1``): its own error, and the rest checked.
            typed = {e["loc"][0]: dict(e) for e in exc.errors() if e["loc"]}
            keys = {k: v for k, v in value.items() if k not in typed}
        problems: list[InitErrorDetails] = []
        known = f" (want one of {', '.join(BY_ID)})"
        for binding in value:
            if binding not in BY_ID:
                # The ids are listed once, with the first typo: the line is long enough.
                problems.append(_value_error((), value, f"{binding!r} is not a binding id{known}"))
                known = ""
            elif binding in typed:
                error = typed[binding]
                problems.append({"type": error["type"], "loc": error["loc"],
                                 "input": error["input"], "ctx": error.get("ctx", {})})
            elif not keys[binding].strip():
                problems.append(_value_error((), value, f"{binding!r} has no key"))
            elif problem := _key_names(keys[binding]):
                problems.append(_value_error((binding,), keys[binding], problem))
        if problems:
            raise ValidationError.from_exception_data("keys", problems)
        return keys

    @field_validator("remotes")
    @classmethod
    def _unique_names(cls, remotes: list[RemoteBase]) -> list[RemoteBase]:
        # Names are matched regardless of case where they are typed (a search's
        # ``School:12``, ``--remote``): two that differ only in case could not be told apart.
        seen: dict[str, str] = {}
        for remote in remotes:
            other = seen.get(remote.name.casefold())
            if other == remote.name:
                raise ValueError(f"remote name {remote.name!r} is used twice")
            if other is not None:
                raise ValueError(
                    f"remote names {other!r} and {remote.name!r} differ only in case, and "
                    "names are matched regardless of case: rename one"
                )
            seen[remote.name.casefold()] = remote.name
        return remotes

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags (init) win over the environment, which wins over the file."""
        return (
            init_settings,
            env_settings,
            InitSettingsSource(settings_cls, init_kwargs=_FILE_DATA.get() or {}),
        )

    def db_path(self) -> Path:
        """The cache file to use."""
        return self.db or paths.default_db_path()

    def downloads(self) -> Path:
        """The folder downloads and exports go to."""
        return self.download_dir or paths.default_download_dir()

    def no_remotes(self) -> str:
        """That no remotes are configured, and where they were looked for: most often the
        config file is not where it is looked for."""
        where, missing = "the config file", ""
        if os.environ.get(f"{ENV_PREFIX}REMOTES", "").strip():
            # The variable replaces the file's remotes: naming the file sent users to a file
            # that has them.
            return f"no remotes are configured: {ENV_PREFIX}REMOTES sets none"
        if self.config is not None:
            where = str(self.config)
            missing = "" if self.config.exists() else ", which does not exist"
        return (
            f"no remotes are configured in {where}{missing} "
            "(--config or INCIDENT_TUI_CONFIG name another file)"
        )

    def remote(self, name: str) -> RemoteBase:
        """The remote called ``name``, in any case (``School`` is ``school``); ``ConfigError``
        if there is none."""
        found = self.configured(name)
        if found is not None:
            return found
        if not self.remotes:
            raise ConfigError(f"unknown remote {name!r}: {self.no_remotes()}")
        known = ", ".join(r.name for r in self.remotes)
        raise ConfigError(f"unknown remote {name!r} (known: {known})")

    def configured(self, name: str) -> RemoteBase | None:
        """The remote called ``name`` in any case, if the config has one."""
        folded = name.casefold()
        return next((r for r in self.remotes if r.name.casefold() == folded), None)

    def remote_name(self, name: str) -> str:
        """The configured name of the remote ``name`` is in any case; ``name`` itself when
        no configured remote has it (a remote taken out of the config, say)."""
        found = self.configured(name)
        return found.name if found is not None else name


_FILE_DATA: ContextVar[dict[str, Any] | None] = ContextVar("incident_tui_file_data", default=None)


def config_path(flag: Path | None = None) -> Path:
    """The config file: ``--config``, then ``INCIDENT_TUI_CONFIG``, then the XDG default."""
    return paths.config_file(flag)


SQLITE_HEADER = b"SQLite format 3\x00"
"""How every SQLite database file starts: the cache, named by --config in place of --db."""


def read_config_file(path: Path, *, required: bool) -> dict[str, Any]:
    """Parse the TOML file; a missing file is empty unless it was asked for by name."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{path}: no such config file") from None
        return {}
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config file") from None
    except PermissionError:
        raise ConfigError(f"{path}: cannot read: permission denied") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if content.startswith(SQLITE_HEADER):
        raise ConfigError(
            f"{path}: is an SQLite database (a cache?), not a TOML config file; "
            "--db names the cache"
        )
    try:
        # utf-8-sig drops the byte-order mark some Windows editors put first, which TOML
        # itself does not allow.
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Counted in the file, byte-order mark included.
        at = exc.start + len(content) - len(exc.object)
        raise ConfigError(
            f"{path}: not a TOML text file (byte 0x{content[at]:02x} at position {at} is not "
            "UTF-8 text)"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _key_path(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    """Render a pydantic error location as the key a user writes, naming the remote."""
    parts: list[str] = []
    items = list(loc)
    index = 0
    while index < len(items):
        part = items[index]
        if part == "remotes" and index + 1 < len(items) and isinstance(items[index + 1], int):
            position = int(items[index + 1])
            label = f"remotes[{position}]"
            remotes = data.get("remotes")
            if isinstance(remotes, list) and position < len(remotes):
                entry = remotes[position]
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    label += f" ({entry['name']})"
            parts.append(label)
            index += 2
            # The discriminated union adds the kind as a location step; users never write it.
            if index < len(items) and items[index] in _KIND_TAGS:
                index += 1
            continue
        # pydantic marks a problem of a table's key (not its value) with a "[key]" step
        # after the key itself, which the user never writes.
        if part != "[key]":
            parts.append(str(part))
        index += 1
    return ".".join(parts) or "(top level)"


_KIND_TAGS = {"kitehouse", "fourhse", "revily", "oneuptime", "aoh_ims"}
_KINDS = ", ".join(KINDS)


def _kind_hint(tag: str) -> str:
    """The kind an unknown ``kind`` value most likely means (the system's own name, as
    ``4hse`` or ``AOH IMS``), else the list of kinds."""
    from incident_tui.domain.capabilities import KIND_TITLES

    def plain(text: str) -> str:
        return "".join(c for c in text.casefold() if c.isalnum())

    for kind, title in KIND_TITLES.items():
        if plain(tag) in (plain(kind), plain(title)):
            return f"did you mean {kind!r}?"
    return f"want one of {_KINDS}"


def _describe(error: Mapping[str, Any], *, in_file: bool) -> str:
    """What is wrong, for the user; ``in_file``: the value is the config file's (a TOML
    table), not a variable's (JSON)."""
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        tag = str((error.get("ctx") or {}).get("tag", ""))
        return f"unknown kind {tag!r} ({_kind_hint(tag)})"
    if kind == "union_tag_not_found":
        return f"missing kind (want one of {_KINDS})"
    if kind == "list_type" and in_file and tuple(error.get("loc", ())) == ("remotes",):
        # pydantic's "Input should be a valid list" does not say that one bracket pair
        # makes a single table, where each remote needs its own array entry.
        if isinstance(error.get("input"), Mapping):
            return "write each remote as a [[remotes]] table (two brackets), not [remotes]"
        return "want one [[remotes]] table (two brackets) per remote"
    if kind == "string_pattern_mismatch":
        # The one pattern is a remote's name, which starts every incident id before a ':'.
        return "use letters, digits, '_', '.' and '-' only"
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def load_settings(
    config: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Build the settings from the config file, the environment and flag ``overrides``.

    Raises :class:`ConfigError` with one line naming, for each problem, the file (or the
    environment variable), the key and what is wrong.
    """
    named = os.environ.get(paths.CONFIG_ENV, "")
    if config is None and named and not named.strip():
        # Taken as the file's name, it was refused as "' ': no such config file".
        raise ConfigError(
            f"environment {paths.CONFIG_ENV}: is blank, which names no file: unset it for "
            "the default config file"
        )
    explicit = config is not None or bool(named)
    path = config_path(config)
    data = read_config_file(path, required=explicit)
    return validate_settings(path, data, overrides)


def validate_settings(
    path: Path, data: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Settings from already-read file ``data`` (named ``path`` in messages), the environment
    and flag ``overrides``; every problem becomes one :class:`ConfigError` line.

    The demo calls this directly with its throw-away values, so that a bad ``INCIDENT_TUI_*``
    variable reads the same there as everywhere else.
    """
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    flags["config"] = path
    strays = stray_variables(Settings.model_fields, _JSON_WANTED, data)
    token = _FILE_DATA.set(beside_config(path, data))
    try:
        settings = Settings(**flags)
    except ValidationError as exc:
        raise ConfigError(_problems(exc.errors(), path, data, strays)) from None
    except SettingsError as exc:
        # Raised before validation, when a source cannot decode a value at all (a list- or
        # table-valued variable that is not JSON); pydantic's text names neither the variable
        # nor what it wants.
        raise ConfigError(_source_problem(exc)) from None
    finally:
        _FILE_DATA.reset(token)
    if strays:
        raise ConfigError(_problems([], path, data, strays))
    return settings


def beside_config(path: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """The file's ``data`` with each relative path setting made relative to the folder of
    the config file ``path``.

    Relative to the working folder, one config file named a different cache from each
    folder it was used in: a change queued from one was never seen by a ``sync`` run from
    another (cron, a service manager). A path given by flag or variable is typed where it
    is meant, so it stays relative to the working folder."""
    folder = paths.absolute(path.parent)
    placed = dict(data)
    for key in PATH_SETTINGS:
        value = placed.get(key)
        # Anything but a non-blank string is left for validation to judge, and "~" for
        # its expansion there.
        if isinstance(value, str) and value.strip() and not value.startswith("~"):
            if not Path(value).is_absolute():
                placed[key] = str(folder / value)
    return placed


def _source_problem(error: SettingsError) -> str:
    """One line for a value a settings source could not decode, naming the variable.

    The value itself is left out: a variable such as ``INCIDENT_TUI_REMOTES`` may hold tokens.
    """
    found = re.search(r'field "([^"]+)"', str(error))
    field = found.group(1) if found else ""
    prefix = (ENV_PREFIX + field).upper()
    # Matched as pydantic-settings matches them (case-insensitively); a nested
    # ``__`` variable only counts when the whole value is not set.
    names = [name for name in os.environ if name.upper() == prefix] or sorted(
        name for name in os.environ if name.upper().startswith(prefix + "__")
    )
    source = "environment " + (", ".join(names) or prefix)
    cause = error.__cause__
    if isinstance(cause, json.JSONDecodeError):
        reason = f"not valid JSON ({cause})"
    elif cause is not None:
        reason = f"cannot be read ({cause})"
    else:
        reason = str(error)
    wants = _JSON_WANTED.get(field)
    text = f"{source}: {field or '(unknown setting)'}: {reason}"
    if wants:
        text += f"; it takes {wants}"
    return " ".join(text.split())


_JSON_WANTED = {
    "remotes": 'a JSON array of objects, e.g. [{"name": "ops", "kind": "aoh_ims", ...}]',
    "keys": 'a JSON object, e.g. {"acknowledge": "ctrl+a"}',
}
"""What the settings that need JSON in a variable take, for the error line."""


SHOWN_PROBLEMS = 5
"""Most config problems one error line names; the rest are counted."""


def _env_data(key: str, value: str) -> dict[str, Any]:
    """A variable's value as the file data it overrides (``{key: decoded}``), for naming
    what it holds in an error; empty when it is no JSON (a plain value names nothing)."""
    try:
        return {key: json.loads(value)}
    except ValueError:
        return {}


def _problems(
    errors: Sequence[Mapping[str, Any]], path: Path, data: Mapping[str, Any],
    strays: Sequence[tuple[str, str]] = (),
) -> str:
    """Every problem on one line, grouped by where it comes from (the file, or the
    environment variable that set the key), so the user fixes them all in one go; last the
    ``strays``, variables that set nothing (:func:`stray_variables`)."""
    by_source: dict[str, list[str]] = {str(path): []}
    for error in errors:
        loc = tuple(error.get("loc", ()))
        top = str(loc[0]) if loc else ""
        env_name = ENV_PREFIX + top.upper()
        # The environment wins over the file, so a variable that is set made the value,
        # whether or not the file has the key too (spelled as the user did: any case).
        spelled = next((name for name in os.environ if name.upper() == env_name), None)
        # Else nested variables (``INCIDENT_TUI_KEYS__sync``) are merged into the file's value.
        nested = ", ".join(
            sorted(name for name in os.environ if name.upper().startswith(env_name + "__"))
        )
        source = (
            f"environment {spelled}" if spelled
            else str(path) if not nested
            else f"environment {nested}" if top not in data
            else f"{path} with environment {nested}"
        )
        # Remotes are labelled by name from where the value came: the variable's own list
        # may name other remotes than the file.
        given = _env_data(top, os.environ[spelled]) if spelled else data
        described = _describe(error, in_file=source == str(path))
        by_source.setdefault(source, []).append(f"{_key_path(loc, given)}: {described}")
    for name, problem in strays:
        by_source.setdefault(f"environment {name}", []).append(problem)
    groups, shown = [], 0
    for source, problems in by_source.items():
        if problems and shown < SHOWN_PROBLEMS:
            named = problems[: SHOWN_PROBLEMS - shown]
            shown += len(named)
            groups.append(f"{source}: " + "; ".join(named))
    more = len(errors) + len(strays) - shown
    return "; ".join(groups) + (f" (and {more} more)" if more > 0 else "")


__all__ = [
    "ENV_PREFIX",
    "PATH_SETTINGS",
    "Settings",
    "beside_config",
    "config_path",
    "load_settings",
    "read_config_file",
    "validate_settings",
]
