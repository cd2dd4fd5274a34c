"""Settings: the TOML config file, overridden by ``INCIDENT_TUI_*`` variables, overridden by flags.

Every field carries a docstring; :func:`load_settings` turns any problem into one
:class:`ConfigError` line naming the file, the key and what is wrong.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from incident_tui import paths
from incident_tui.config_error import ConfigError
from incident_tui.domain.model import Severity, Status
from incident_tui.keymap import BY_ID

ENV_PREFIX = "INCIDENT_TUI_"

StatusName = Literal["triggered", "acknowledged", "resolved"]
SeverityName = Literal["critical", "major", "minor", ""]


class RemoteBase(BaseModel):
    """Keys every remote takes, whatever its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    """Unique name; local incident ids are ``<name>:<remote_id>``."""
    base_url: str = Field(min_length=1)
    """Server root; the connector appends the contract's paths."""
    token: SecretStr | None = None
    """The API token. Prefer ``token_env``: a token in the file is easy to leak."""
    token_env: str | None = None
    """Name of the environment variable that holds the token."""
    timeout: float = Field(default=15.0, gt=0)
    """Seconds before a request to this remote is given up (and retried later)."""
    verify_tls: bool = True
    """Check the server's TLS certificate."""
    enabled: bool = True
    """A disabled remote keeps its cached incidents but is not synced."""

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    def secret(self) -> str | None:
        """The token, read from ``token_env`` at call time, else from ``token``."""
        if self.token_env:
            value = os.environ.get(self.token_env)
            if value:
                return value
        return self.token.get_secret_value() if self.token else None


class KitehouseRemote(RemoteBase):
    """A Kitehouse Incident Tracker site."""

    kind: Literal["kitehouse"]
    site_id: str = Field(min_length=1)
    """The site (school) whose incidents to sync; every path is scoped by it."""
    status_map: dict[str, StatusName] = Field(default_factory=dict)
    """Exact Kitehouse status words mapped to common statuses, over the keyword defaults."""
    priority_map: dict[str, SeverityName] = Field(default_factory=dict)
    """Exact priority names mapped to common severities, over the keyword defaults."""
    ack_status: str = "in_progress"
    """The status word written to acknowledge."""
    resolve_status: str = "closed"
    """The status word written to resolve."""
    reopen_status: str = "open"
    """The status word written to reopen."""
    auth_header: str = "Authorization"
    """Header that carries the token (the API does not document its auth)."""
    auth_scheme: str = "Bearer"
    """Scheme put before the token in ``auth_header``; empty for the bare token."""
    default_category_id: str | None = None
    """Category id for incidents created here (else the most used category in the cache)."""
    default_source_id: str | None = None
    """Source id for incidents created here (else the most used source in the cache)."""
    default_priority_id: str | None = None
    """Priority id sent when an incident has none (the PUT requires one)."""
    priority_ids: dict[Literal["critical", "major", "minor"], str] = Field(default_factory=dict)
    """Priority ids to write for each common severity when the user edits severity."""
    page_size: int = Field(default=50, ge=1, le=1000)
    """Rows asked for per list request (``limit``). The API documents no maximum and a
    listing ends at the first shorter page, so this must not exceed the server's cap."""
    updated_sort: str | None = Field(default=None, min_length=1)
    """The ``sortBy`` value that lists the most recently updated incidents first, where the
    server has one (e.g. ``-updated_at``). Unset, no ``sortBy`` is sent (its values are not
    documented) and every sync lists every incident; set, a sync reads only the changes."""


GrantType = Literal["password", "client_credentials"]


class OidcRemote(RemoteBase):
    """Keys of a remote that can sign in to Keycloak (OAuth2/OIDC) instead of a static token:
    the password grant when ``username`` is set, else the client_credentials grant (a service
    account), where the kind supports it. Secrets are read at call time, like ``token_env``."""

    token_url: str | None = None
    """OAuth2 token endpoint (Keycloak: ``.../realms/<realm>/protocol/openid-connect/token``)."""
    client_id: str | None = None
    """OAuth2 client id."""
    client_secret: SecretStr | None = None
    """OAuth2 client secret, for confidential clients. Prefer ``client_secret_env``."""
    client_secret_env: str | None = None
    """Name of the environment variable that holds the client secret."""
    username: str | None = None
    """OAuth2 password-grant user (instead of a static token)."""
    password: SecretStr | None = None
    """OAuth2 password-grant password. Prefer ``password_env``."""
    password_env: str | None = None
    """Name of the environment variable that holds the password."""

    def password_value(self) -> str | None:
        """The OAuth2 password from ``password_env`` or ``password``."""
        return _env_or(self.password_env, self.password)

    def client_secret_value(self) -> str | None:
        """The OAuth2 client secret from ``client_secret_env`` or ``client_secret``."""
        return _env_or(self.client_secret_env, self.client_secret)

    def oidc_grant(self) -> GrantType:
        """The grant a sign-in uses: ``password`` with a username, else ``client_credentials``."""
        return "password" if self.username else "client_credentials"


def _env_or(env: str | None, value: SecretStr | None) -> str | None:
    """The named environment variable when it is set and not empty, else ``value``."""
    if env and os.environ.get(env):
        return os.environ[env]
    return value.get_secret_value() if value else None


class FourhseRemote(OidcRemote):
    """A 4HSE project and/or office: a static token, or the OAuth2 password flow (``username``)."""

    kind: Literal["fourhse"]
    base_url: str = Field(default="https://service.4hse.com", min_length=1)
    """The 4HSE service (the hosted one unless set); a trailing ``/v2`` is allowed."""
    tenant_id: str | None = None
    """The project (tenant) id; list and create are scoped by it."""
    subtenant_id: str | None = None
    """The office (subtenant) id; list and create are scoped by it."""
    client_id: str = "4hse"
    """OAuth2 client id."""
    token_url: str | None = None
    """OAuth2 token endpoint; defaults to the 4HSE Keycloak realm."""

    @model_validator(mode="after")
    def _scoped(self) -> FourhseRemote:
        if not self.tenant_id and not self.subtenant_id:
            raise ValueError("needs tenant_id (project) and/or subtenant_id (office)")
        return self


class RevilyRemote(RemoteBase):
    """A Revily (Reveille) on-call server."""

    kind: Literal["revily"]
    service_id: str | None = None
    """The service new incidents are created in (else the first service listed)."""


class OneuptimeRemote(RemoteBase):
    """A OneUptime project."""

    kind: Literal["oneuptime"]
    base_url: str = Field(default="https://oneuptime.com", min_length=1)
    """The OneUptime server (the hosted one unless set); a trailing ``/api`` is allowed."""
    project_id: str = Field(min_length=1)
    """The project whose incidents to sync."""
    created_state_id: str | None = None
    """State id written on reopen (else the state flagged isCreatedState)."""
    ack_state_id: str | None = None
    """State id written on acknowledge (else the state flagged isAcknowledgedState)."""
    resolved_state_id: str | None = None
    """State id written on resolve (else the state flagged isResolvedState)."""
    severity_map: dict[str, SeverityName] = Field(default_factory=dict)
    """Exact severity names mapped to common severities, over the name-keyword and order
    defaults; a severity set here is also the one written for that common severity."""
    typed_values: bool = False
    """Send dates and ids as typed ``{_type, value}`` objects, as the live server returns."""


class AohImsRemote(OidcRemote):
    """An AGIL Ops Hub IMS deployment: a static ``token``, or Keycloak sign-in (``token_url``)
    with the client_credentials grant (a service account) or, given ``username``, the password
    grant."""

    kind: Literal["aoh_ims"]
    status_map: dict[str, StatusName] = Field(default_factory=dict)
    """IMS status codes mapped to common statuses, over the defaults."""
    severity_map: dict[str, SeverityName] = Field(default_factory=dict)
    """IMS severity codes mapped to common severities, over the defaults."""
    ack_status: str = "OPEN"
    """The status code written to acknowledge."""
    resolve_status: str = "RESOLVED"
    """The status code written to resolve."""
    reopen_status: str = "NEW"
    """The status code written to reopen."""
    default_type: str = "OTHERS"
    """The incident type used for incidents created here."""
    reported_by: str = "incident-tui"
    """The reporter written on incidents created here."""

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> AohImsRemote:
        # Every problem in one message, so the user fixes the sign-in keys in one go.
        problems = _oidc_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _oidc_problems(remote: OidcRemote) -> list[str]:
    """What is missing or contradictory in a remote's Keycloak sign-in keys."""
    if not remote.token_url:
        given = [
            key for key in ("client_id", "client_secret", "client_secret_env", "username",
                            "password", "password_env")
            if getattr(remote, key)
        ]
        if not given:
            return []
        verb = "needs" if len(given) == 1 else "need"
        return [f"{', '.join(given)} {verb} token_url (the Keycloak token endpoint)"]
    problems = []
    if not remote.token_url.startswith(("http://", "https://")):
        problems.append("token_url must start with http:// or https://")
    if remote.token or remote.token_env:
        # Two credentials would leave the user guessing which one the requests carry.
        problems.append("token/token_env and token_url are two ways to sign in: keep one")
    if not remote.client_id:
        problems.append("token_url needs client_id")
    if remote.username:
        if not (remote.password or remote.password_env):
            problems.append("username needs password or password_env (password grant)")
    elif remote.password or remote.password_env:
        problems.append("password needs username (password grant)")
    elif not (remote.client_secret or remote.client_secret_env):
        problems.append(
            "token_url without username signs in with client_credentials, which needs "
            "client_secret or client_secret_env (or set username and password)"
        )
    return problems


RemoteConfig = Annotated[
    KitehouseRemote | FourhseRemote | RevilyRemote | OneuptimeRemote | AohImsRemote,
    Field(discriminator="kind"),
]


class Settings(BaseSettings):
    """Everything incident-tui can be told, from file, environment or flags."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, env_nested_delimiter="__"
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
    stale_hours: float = Field(default=24.0, gt=0)
    """An open incident with no update for this long counts as stale in the handover."""
    download_dir: Path | None = None
    """Where downloads and exports are saved (default ~/Downloads/incident-tui)."""
    hydrate_limit: int = Field(default=200, ge=0)
    """Most incidents whose comments and details are fetched per remote in one sync pass."""
    remotes: list[RemoteConfig] = Field(default_factory=list)
    """The incident systems to sync with."""

    @field_validator("keys")
    @classmethod
    def _known_bindings(cls, keys: dict[str, str]) -> dict[str, str]:
        # Textual ignores a keymap entry whose id no binding has, so a typo would silently
        # leave the default key in force.
        for binding, pressed in keys.items():
            if binding not in BY_ID:
                raise ValueError(
                    f"{binding!r} is not a binding id (want one of {', '.join(BY_ID)})"
                )
            if not pressed.strip():
                raise ValueError(f"{binding!r} has no key")
        return keys

    @field_validator("remotes")
    @classmethod
    def _unique_names(cls, remotes: list[RemoteBase]) -> list[RemoteBase]:
        seen: set[str] = set()
        for remote in remotes:
            if remote.name in seen:
                raise ValueError(f"remote name {remote.name!r} is used twice")
            seen.add(remote.name)
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

    def remote(self, name: str) -> RemoteBase:
        """The remote called ``name``; ``ConfigError`` if there is none."""
        for remote in self.remotes:
            if remote.name == name:
                return remote
        known = ", ".join(r.name for r in self.remotes) or "none configured"
        raise ConfigError(f"unknown remote {name!r} (known: {known})")


_FILE_DATA: ContextVar[dict[str, Any] | None] = ContextVar("incident_tui_file_data", default=None)


def config_path(flag: Path | None = None) -> Path:
    """The config file: ``--config``, then ``INCIDENT_TUI_CONFIG``, then the XDG default."""
    return paths.config_file(flag)


def read_config_file(path: Path, *, required: bool) -> dict[str, Any]:
    """Parse the TOML file; a missing file is empty unless it was asked for by name."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{path}: no such config file") from None
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
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
        parts.append(str(part))
        index += 1
    return ".".join(parts) or "(top level)"


_KIND_TAGS = {"kitehouse", "fourhse", "revily", "oneuptime", "aoh_ims"}


def _describe(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return "unknown kind (want one of kitehouse, fourhse, revily, oneuptime, aoh_ims)"
    if kind == "union_tag_not_found":
        return "missing kind (want one of kitehouse, fourhse, revily, oneuptime, aoh_ims)"
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def load_settings(
    config: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Build the settings from the config file, the environment and flag ``overrides``.

    Raises :class:`ConfigError` with one line naming, for each problem, the file (or the
    environment variable), the key and what is wrong.
    """
    explicit = config is not None or bool(os.environ.get(paths.CONFIG_ENV))
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
    token = _FILE_DATA.set(dict(data))
    try:
        return Settings(**flags)
    except ValidationError as exc:
        raise ConfigError(_problems(exc.errors(), path, data)) from None
    except SettingsError as exc:
        # Raised before validation, when a source cannot decode a value at all (a list- or
        # table-valued variable that is not JSON); pydantic's text names neither the variable
        # nor what it wants.
        raise ConfigError(_source_problem(exc)) from None
    finally:
        _FILE_DATA.reset(token)


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


def _problems(errors: Sequence[Mapping[str, Any]], path: Path, data: Mapping[str, Any]) -> str:
    """Every problem on one line, grouped by where it comes from (the file, or the
    environment variable that set the key), so the user fixes them all in one go."""
    by_source: dict[str, list[str]] = {str(path): []}
    for error in errors:
        loc = tuple(error.get("loc", ()))
        top = str(loc[0]) if loc else ""
        env_name = ENV_PREFIX + top.upper()
        # The environment wins over the file, so a variable that is set made the value,
        # whether or not the file has the key too (spelled as the user did: any case).
        spelled = next((name for name in os.environ if name.upper() == env_name), None)
        source = f"environment {spelled}" if spelled else str(path)
        by_source.setdefault(source, []).append(f"{_key_path(loc, data)}: {_describe(error)}")
    groups, shown = [], 0
    for source, problems in by_source.items():
        if problems and shown < SHOWN_PROBLEMS:
            named = problems[: SHOWN_PROBLEMS - shown]
            shown += len(named)
            groups.append(f"{source}: " + "; ".join(named))
    more = len(errors) - shown
    return "; ".join(groups) + (f" (and {more} more)" if more > 0 else "")


def status_overrides(remote: RemoteBase) -> dict[str, str]:
    """The remote's ``status_map`` as plain strings (empty where the kind has none)."""
    return dict(getattr(remote, "status_map", {}) or {})


__all__ = [
    "AohImsRemote",
    "ConfigError",
    "FourhseRemote",
    "KitehouseRemote",
    "OidcRemote",
    "OneuptimeRemote",
    "RemoteBase",
    "RemoteConfig",
    "RevilyRemote",
    "Settings",
    "Severity",
    "Status",
    "load_settings",
]
