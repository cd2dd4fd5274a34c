"""The ``[[remotes]]`` tables of the config file: the keys every remote takes and one model
per kind, each key with a docstring. Each model checks its own keys (a missing or
contradictory sign-in names every problem at once); :mod:`incident_tui.config` reads them into
:class:`~incident_tui.config.Settings`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from incident_tui.domain.mapping import status_by_keywords
from incident_tui.domain.model import STATUS_ALIASES, Status
from incident_tui.remote.aoh_ims_codes import known_status, normal_code
from incident_tui.remote.errors import AuthFailed


def _canonical_status(word: object) -> object:
    """A status alias (``"new"``) as the word it stands for, so the mappings see only those;
    anything else as it is, for the ``Literal`` to judge."""
    return STATUS_ALIASES[word].value if isinstance(word, str) and word in STATUS_ALIASES else word


StatusName = Annotated[
    Literal["triggered", "acknowledged", "resolved"], BeforeValidator(_canonical_status)
]
SeverityName = Literal["critical", "major", "minor", ""]


def _blank_as_empty(value: object) -> object:
    """A blank id or name (``" "``) as the empty one it amounts to: loaded as it was, a
    blank ``tenant_id`` or ``project_id`` scoped every request to no project, where an
    empty one is refused (or read as unset)."""
    return "" if isinstance(value, str) and not value.strip() else value


def _given(value: str) -> str:
    """Refuse an empty (or blank) required id."""
    if not value:
        raise ValueError("must not be empty or blank")
    return value


def _one_meaning(words: dict[str, str], normal: Callable[[str], str], how: str) -> dict[str, str]:
    """Refuse two keys of a map that the remote's words are matched against as one
    (``normal`` gives what is matched; ``how`` says how, for the message) when they map to
    different values: loaded, the last one silently won."""
    seen: dict[str, str] = {}
    for key, value in words.items():
        first = seen.setdefault(normal(key), key)
        if words[first] != value:
            raise ValueError(
                f"{first!r} and {key!r} are one key to the remote ({how}) but map to "
                f"{words[first]!r} and {value!r}: keep one"
            )
    return words


ANY_CASE = "matched in any case"
"""How Kitehouse's and OneUptime's map keys are matched, for a message."""
AS_CODE = "matched in any case, spaces and dashes as underscores"
"""How AOH IMS's map keys (codes) are matched, for a message."""


IdText = Annotated[str, BeforeValidator(_blank_as_empty)]
"""An id or name whose blank value is read as empty (unset, where the key is optional)."""
RequiredId = Annotated[str, BeforeValidator(_blank_as_empty), AfterValidator(_given)]
"""An id the remote cannot do without: empty or blank, it is a config error."""


def _blank_as_unset(value: object) -> object:
    """An empty or blank optional id as the unset one it amounts to: loaded as it was, a
    blank ``service_id`` or ``default_priority_id`` was sent as the id."""
    return None if isinstance(value, str) and not value.strip() else value


OptionalId = Annotated[str | None, BeforeValidator(_blank_as_unset)]
"""An id a connector can do without: empty or blank, it is unset (``None``)."""
HEADER_SAFE = re.compile(r"[\x20-\x7e]+")
"""What a token sent in a request header may hold: printable ASCII."""
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""What a request header's name may hold: an HTTP token (RFC 9110 §5.1)."""
KITEHOUSE_LIMIT_CAP = 100
"""Kitehouse's largest ``limit``: more is silently cut to this (contracts/kitehouse.md §6)."""
MIN_RATE = 1 / 60
"""The slowest ``max_rate`` but 0: one request a minute, the longest a request is held for a
server's ``Retry-After`` too. Each request waits ``1 / max_rate`` seconds after the one
before, so ``max_rate = 1e-300`` held every pass forever after its first request."""
MIN_TIMEOUT = 0.1
"""The shortest ``timeout``: below it no request is answered in time, even on loopback
(``timeout = 1e-300`` loaded, and every request then failed as not answered in time)."""


def lower_scheme(url: str) -> str:
    """``url`` with its scheme in lower case: schemes are case-insensitive (``HTTP://host``
    is ``http://host``), and the code after the config compares them as written."""
    scheme, sep, rest = url.partition("://")
    return scheme.lower() + sep + rest if sep else url


def url_problem(value: str, *, root: bool = True) -> str | None:
    """What makes ``value`` no usable server address (said after the key's name), or ``None``.
    A ``root`` has the contract's paths appended, so it takes no query either.

    Checked here so a bad address is a config error naming its key, not a failure deep in
    the HTTP client at the first sync (a space in the host name looked like the network
    failing; a query ended up in the middle of each request's path)."""
    if not value.lower().startswith(("http://", "https://")):
        return "must start with http:// or https://"
    if any(char.isspace() or not char.isprintable() for char in value):
        return "has a space or control character in it: use http(s)://host[:port][/path]"
    if "#" in value:
        return "has a #fragment, which no server is sent: leave it out"
    if root and "?" in value:
        return "has a ?query, but the paths of the API go after it: leave it out"
    try:
        parts = urlsplit(value)
    except ValueError as exc:  # a broken [IPv6] host
        return f"is not a valid address ({exc}): use http(s)://host[:port][/path]"
    if not parts.hostname:
        return "has no host name: use http(s)://host[:port][/path]"
    if "@" in parts.netloc:
        # The HTTP client sends it as Basic sign-in in place of the token, and the address
        # is shown in every error of the remote and kept in the cache. Not quoted here.
        return (
            "has a user name or password in it (user:password@host), which would be sent "
            "in place of the token and shown in messages: leave it out and give the "
            "credentials in their own keys"
        )
    try:
        port = parts.port
    except ValueError:  # not a number, or beyond 65535
        port = 0
    if port == 0:
        return "has a bad port: use a number from 1 to 65535"
    if not parts.hostname.isascii():
        # A host name outside ASCII goes out in its IDNA form, which the HTTP client makes
        # only when it sends the request: one it cannot make ended every sync in an internal
        # error. Checked only here, as the client costs its import to every command.
        import httpx

        try:
            httpx.URL(value)
        except httpx.InvalidURL as exc:
            return f"is not a valid address ({exc}): use http(s)://host[:port][/path]"
    return None


class RemoteBase(BaseModel):
    """Keys every remote takes, whatever its kind."""

    # No infinite or NaN number: ``max_rate = inf`` ended each pass in an internal error.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    kind: str
    """Which system it is (``kitehouse``, ``fourhse``, ...); each kind's model narrows it to
    its one value, which picks the model when the config is read."""
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    """Unique name; local incident ids are ``<name>:<remote_id>``."""
    base_url: str = Field(min_length=1)
    """Server root; the connector appends the contract's paths."""
    token: SecretStr | None = None
    """The API token. Prefer ``token_env``: a token in the file is easy to leak."""
    token_env: str | None = None
    """Name of the environment variable that holds the token."""
    timeout: float = Field(default=15.0, ge=MIN_TIMEOUT)
    """Seconds before a request to this remote is given up (and retried later)."""
    verify_tls: bool = True
    """Check the server's TLS certificate."""
    enabled: bool = True
    """A disabled remote keeps its cached incidents but is not synced."""
    max_rate: float = Field(default=0.0, ge=0)
    """Most requests per second sent to this remote, retries included; 0 for no limit (the
    default where the contract documents none)."""

    @field_validator("token_env")
    @classmethod
    def _names_a_variable(cls, name: str | None) -> str | None:
        return _variable_name(name)

    @field_validator("token")
    @classmethod
    def _a_token(cls, token: SecretStr | None) -> SecretStr | None:
        # Read as no token, it sent every request unsigned, each earning the server's 401.
        # The value is not quoted: a token pasted with a stray character would be shown.
        if token is not None and not token.get_secret_value().strip():
            raise ValueError("is empty or blank: give the token, or leave the key out")
        return token

    @field_validator("max_rate")
    @classmethod
    def _not_too_slow(cls, rate: float) -> float:
        if 0 < rate < MIN_RATE:
            raise ValueError(
                "must be 0 for no limit, or at least one request a minute (0.017): slower, "
                "a sync pass would be held for hours"
            )
        return rate

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        problem = url_problem(value)
        if problem:
            raise ValueError(problem)
        return lower_scheme(value).rstrip("/")

    def secret(self) -> str | None:
        """The token, read from ``token_env`` at call time, else from ``token``.

        Raises :class:`~incident_tui.remote.errors.AuthFailed` when ``token_env`` names an
        unset variable and there is no ``token`` to fall back on (see :func:`_env_or`), and
        when the token holds what no HTTP header can carry: sent, the request would fail
        with its value quoted, and a queued change would be refused for it."""
        token = _env_or("token_env", self.token_env, self.token, self.name)
        if token and not HEADER_SAFE.fullmatch(token):
            where = (
                f"token_env {self.token_env}"
                if self.token_env and os.environ.get(self.token_env, "").strip()
                else "token"
            )
            raise AuthFailed(
                f"{where} of remote {self.name!r} holds a line break, a control character "
                "or a letter outside ASCII, which no request header can carry: set it to "
                "the token alone"
            )
        return token

    def mapping(self) -> str:
        """The settings that decide how this remote's statuses and severities read into the
        common model, as one text: when it changes, the cached incidents are read again."""
        maps = {
            name: value
            for name in MAPPING_SETTINGS
            # An unset state id is left out: the text stays as caches before it have it.
            if (value := getattr(self, name, None)) is not None
        }
        return json.dumps(maps, sort_keys=True)

    def identity(self) -> str:
        """Which system this remote's incidents come from, as one text: its kind, its server
        and the settings that scope what it lists (:data:`SCOPE_SETTINGS`). When it changes
        under the same name, the cached incidents and the queued changes are another
        system's."""
        keys: dict[str, str] = {"kind": self.kind, "base_url": self.base_url}
        for name in SCOPE_SETTINGS:
            if (value := getattr(self, name, None)) is not None:
                keys[name] = value
        return json.dumps(keys, sort_keys=True)


SCOPE_SETTINGS = ("site_id", "tenant_id", "subtenant_id", "project_id")
"""The remote settings that decide which incidents it lists: Kitehouse's site, 4HSE's project
and office, OneUptime's project (AOH IMS takes its tenant from the token, Revily lists every
service)."""

MAPPING_SETTINGS = (
    "status_map", "priority_map", "severity_map",
    "created_state_id", "ack_state_id", "resolved_state_id",
)
"""The remote settings that map its words to common statuses and severities (OneUptime's
state ids are read as the status they are set for)."""


class KitehouseRemote(RemoteBase):
    """A Kitehouse Incident Tracker site."""

    kind: Literal["kitehouse"]
    site_id: RequiredId
    """The site (school) whose incidents to sync; every path is scoped by it."""
    status_map: dict[str, StatusName] = Field(default_factory=dict)
    """Exact Kitehouse status words mapped to common statuses, over the keyword defaults."""
    priority_map: dict[str, SeverityName] = Field(default_factory=dict)
    """Exact priority names mapped to common severities, over the keyword defaults."""
    # The write words are checked against status_map even when left at their defaults.
    ack_status: str = Field(default="in_progress", validate_default=True)
    """The status word written to acknowledge; it must read as acknowledged."""
    resolve_status: str = Field(default="closed", validate_default=True)
    """The status word written to resolve; it must read as resolved."""
    reopen_status: str = Field(default="open", validate_default=True)
    """The status word written to reopen; it must read as triggered."""
    auth_header: str = "Authorization"
    """Header that carries the token (the API does not document its auth)."""
    auth_scheme: str = "Bearer"
    """Scheme put before the token in ``auth_header``; empty for the bare token."""
    default_category_id: OptionalId = None
    """Category id for incidents created here (else the most used category in the cache)."""
    default_source_id: OptionalId = None
    """Source id for incidents created here (else the most used source in the cache)."""
    default_priority_id: OptionalId = None
    """Priority id sent when an incident has none (the PUT requires one)."""
    priority_ids: dict[Literal["critical", "major", "minor"], RequiredId] = Field(
        default_factory=dict
    )
    """Priority ids to write for each common severity, when an incident is created or edited
    with one."""
    page_size: int = Field(default=50, ge=1)
    """Rows asked for per list request (``limit``), at most :data:`KITEHOUSE_LIMIT_CAP`: a
    listing ends at the first shorter page, so asking for more than the server sends would
    end it after one page."""
    updated_sort: str | None = Field(default=None, min_length=1)
    """The ``sortBy`` value that lists the most recently updated incidents first, where the
    server has one (e.g. ``-updated_at``). Unset, no ``sortBy`` is sent (its values are not
    documented) and every sync lists every incident; set, a sync reads only the changes."""

    def priority_id(self, severity: str) -> str | None:
        """The priority id configured for common severity ``severity``; ``None`` (or empty)
        when there is none."""
        return {str(level): ident for level, ident in self.priority_ids.items()}.get(severity)

    def no_priority_id(self, severity: str) -> str:
        """Why severity ``severity`` cannot be written here when :meth:`priority_id` has
        none for it (Kitehouse takes priorities by id only), saying what to configure."""
        return (
            f"no Kitehouse priority id is configured for severity {severity!r}: "
            f"set priority_ids.{severity} for remote {self.name!r}"
        )

    @field_validator("status_map", "priority_map")
    @classmethod
    def _words_once(cls, words: dict[str, str]) -> dict[str, str]:
        # As status_by_keywords and severity_from_keywords look them up.
        return _one_meaning(words, str.casefold, ANY_CASE)

    @field_validator("ack_status", "resolve_status", "reopen_status")
    @classmethod
    def _word_reads_back(cls, word: str, info: ValidationInfo) -> str:
        _not_blank(word)
        status_map = info.data.get("status_map")  # absent when it has problems of its own
        if status_map is not None:
            read = status_by_keywords(word, status_map)
            _check_write_word(word, _field(info), read)
        return word

    @field_validator("auth_header")
    @classmethod
    def _header_name(cls, name: str) -> str:
        # Checked here: the HTTP client refuses such a name only when a request is built, so
        # every sync failed with "Illegal header name" and each queued change was refused.
        if not HEADER_NAME.fullmatch(name):
            raise ValueError(
                f"{name!r} is not an HTTP header name: use letters, digits and "
                "!#$%&'*+-.^_`|~ only, no spaces or colon (e.g. \"X-Api-Key\")"
            )
        return name

    @field_validator("auth_scheme")
    @classmethod
    def _header_text(cls, scheme: str) -> str:
        # The scheme goes in the header before the token; the value itself is not quoted in
        # the message, as a token pasted here by mistake would be shown.
        if scheme and not HEADER_SAFE.fullmatch(scheme):
            raise ValueError(
                "holds a line break, a control character or a letter outside ASCII, which "
                "no request header can carry: use the scheme alone (e.g. \"Bearer\"), or "
                "\"\" for the bare token"
            )
        return scheme

    @field_validator("page_size")
    @classmethod
    def _within_cap(cls, value: int) -> int:
        # Above the cap the server sends 100 rows, the walk takes that short page for the last
        # one, and the sync drops every incident past it from the cache.
        if value > KITEHOUSE_LIMIT_CAP:
            raise ValueError(
                f"must be at most {KITEHOUSE_LIMIT_CAP}: Kitehouse sends at most "
                f"{KITEHOUSE_LIMIT_CAP} rows per page, whatever limit is asked for"
            )
        return value


GrantType = Literal["password", "client_credentials"]
USERNAME_WITHOUT_PASSWORD = "username needs password or password_env (password grant)"
"""The problem of a remote whose ``username`` has no password to sign in with."""


class OidcRemote(RemoteBase):
    """Keys of a remote that can sign in to Keycloak (OAuth2/OIDC) instead of a static token:
    the password grant when ``username`` is set, else the client_credentials grant (a service
    account), where the kind supports it. Secrets are read at call time, like ``token_env``."""

    token_url: str | None = None
    """OAuth2 token endpoint (Keycloak: ``.../realms/<realm>/protocol/openid-connect/token``)."""
    client_id: IdText | None = None
    """OAuth2 client id."""
    client_secret: SecretStr | None = None
    """OAuth2 client secret, for confidential clients. Prefer ``client_secret_env``."""
    client_secret_env: str | None = None
    """Name of the environment variable that holds the client secret."""
    username: IdText | None = None
    """OAuth2 password-grant user (instead of a static token)."""
    password: SecretStr | None = None
    """OAuth2 password-grant password. Prefer ``password_env``."""
    password_env: str | None = None
    """Name of the environment variable that holds the password."""

    @field_validator("token_url")
    @classmethod
    def _lower_scheme(cls, url: str | None) -> str | None:
        # Its problems are named with the other sign-in keys' (_oidc_problems).
        return lower_scheme(url) if url else url

    @field_validator("password_env", "client_secret_env")
    @classmethod
    def _names_a_variable(cls, name: str | None) -> str | None:
        return _variable_name(name)

    @field_validator("client_secret", "password")
    @classmethod
    def _a_secret(cls, secret: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # Read as none, a blank client secret signed in as a public client and a blank
        # password failed every sync. A public client is said by leaving the key out
        # (contracts: the secret is sent only for a confidential client). Not quoted.
        if secret is not None and not secret.get_secret_value().strip():
            what = "client secret" if info.field_name == "client_secret" else "password"
            raise ValueError(f"is empty or blank: give the {what}, or leave the key out")
        return secret

    def password_value(self) -> str | None:
        """The OAuth2 password from ``password_env`` or ``password``; line breaks around it
        are not part of it (a variable read from a file keeps the file's last one), while
        spaces may be."""
        return _env_or(
            "password_env", self.password_env, self.password, self.name, trim="\r\n"
        )

    def client_secret_value(self) -> str | None:
        """The OAuth2 client secret from ``client_secret_env`` or ``client_secret``."""
        return _env_or("client_secret_env", self.client_secret_env, self.client_secret, self.name)

    def oidc_grant(self) -> GrantType:
        """The grant a sign-in uses: ``password`` with a username, else ``client_credentials``."""
        return "password" if self.username else "client_credentials"




def _variable_name(name: str | None) -> str | None:
    """Refuse an empty or blank ``*_env`` key: read as no variable at all, it was silently
    passed over, and the remote signed in with whatever else was given, or with nothing."""
    if name is not None and not name.strip():
        raise ValueError(
            "names no variable: give the name of the variable that holds the secret, or "
            "leave the key out"
        )
    return name


def _env_or(
    key: str, env: str | None, value: SecretStr | None, remote: str, *, trim: str | None = None
) -> str | None:
    """The variable ``env`` names when it is set and not blank, else ``value``, without the
    ``trim`` characters around it (default: any white space). A secret read from a file
    (``export TOKEN=$(cat file)`` keeps none, a container's secret file or an editor's
    last line often does) otherwise fails its sign-in as if it were wrong, or is quoted
    whole in the error of a request no header can carry.

    A named variable that is unset or empty, with no ``value`` to fall back on, or set to
    only what is trimmed, raises :class:`~incident_tui.remote.errors.AuthFailed` naming it:
    sent without the secret, the request would only earn the server's 401. Checked here, when
    a connector asks, not when the config is loaded: commands that never talk to the remote
    (``list``) must still work, and raised as a remote error so that a sync fails only this
    remote and reports why."""
    raw = os.environ.get(env, "") if env else ""
    given = raw.strip(trim)
    if given:
        return given
    if raw:
        # Set, but only to what is trimmed (a secret file holding its last line break): the
        # value beside it, or none, was sent in its place without a word. Not quoted.
        raise AuthFailed(
            f"{key} {env} holds only white space: export the secret in it, or fix {key} of "
            f"remote {remote!r}"
        )
    kept = value.get_secret_value().strip(trim) if value else ""
    if kept:
        return kept
    if env:
        state = "is empty" if os.environ.get(env) is not None else "is not set"
        raise AuthFailed(f"{key} {env} {state}: export it, or fix {key} of remote {remote!r}")
    return None


class FourhseRemote(OidcRemote):
    """A 4HSE project and/or office: a static token, or the OAuth2 password flow (``username``)."""

    kind: Literal["fourhse"]
    base_url: str = Field(default="https://service.4hse.com", min_length=1)
    """The 4HSE service (the hosted one unless set); a trailing ``/v2`` is allowed."""
    tenant_id: IdText | None = None
    """The project (tenant) id; list and create are scoped by it."""
    subtenant_id: IdText | None = None
    """The office (subtenant) id; list and create are scoped by it. Without it a create must
    name its office (``--container``): the app never guesses where an incident belongs."""
    client_id: IdText = "4hse"
    """OAuth2 client id."""
    token_url: str | None = None
    """OAuth2 token endpoint; defaults to the 4HSE Keycloak realm."""

    def office_missing(self, container: str | None) -> str | None:
        """Why a new incident placed in ``container`` (``None``: the default) has nowhere to
        go: no office given and none configured; ``None`` when it has one."""
        if container or self.subtenant_id:
            return None
        return (
            f"4HSE needs an office to create an incident: set subtenant_id for remote "
            f"{self.name!r} or pass --container OFFICE_ID"
        )

    @model_validator(mode="after")
    def _scope_and_sign_in(self) -> FourhseRemote:
        # Every problem in one message, as for AOH IMS's sign-in keys.
        problems: list[str] = []
        if not self.tenant_id and not self.subtenant_id:
            problems.append("needs tenant_id (project) and/or subtenant_id (office)")
        # A username signs in with the password grant, a static token beside it unused: with
        # no password, every sync failed where the config could have said so.
        if self.username and not (self.password or self.password_env):
            problems.append(USERNAME_WITHOUT_PASSWORD)
        elif not self.username and (self.password or self.password_env):
            # Loaded, it signed in with nothing and every sync said no username was set.
            problems.append("password needs username (password grant)")
        if self.username and not self.client_id:
            problems.append("username needs client_id (leave it out for 4hse)")
        # Checked as AOH IMS's is: unchecked, a password in it was shown in every sign-in
        # error, and an address with no scheme was posted to the API as a path.
        if self.token_url and (problem := url_problem(self.token_url, root=False)):
            problems.append(f"token_url {problem}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class RevilyRemote(RemoteBase):
    """A Revily (Reveille) on-call server."""

    kind: Literal["revily"]
    service_id: OptionalId = None
    """The service new incidents are created in (else the first service listed)."""


class OneuptimeRemote(RemoteBase):
    """A OneUptime project."""

    kind: Literal["oneuptime"]
    base_url: str = Field(default="https://oneuptime.com", min_length=1)
    """The OneUptime server (the hosted one unless set); a trailing ``/api`` is allowed."""
    project_id: RequiredId
    """The project whose incidents to sync."""
    created_state_id: OptionalId = None
    """State id written on reopen (else the state flagged isCreatedState)."""
    ack_state_id: OptionalId = None
    """State id written on acknowledge (else the state flagged isAcknowledgedState)."""
    resolved_state_id: OptionalId = None
    """State id written on resolve (else the state flagged isResolvedState)."""
    severity_map: dict[str, SeverityName] = Field(default_factory=dict)
    """Exact severity names mapped to common severities, over the name-keyword and order
    defaults; a severity set here is also the one written for that common severity."""
    typed_values: bool = False
    """Send dates and ids as typed ``{_type, value}`` objects, as the live server returns."""
    max_rate: float = Field(default=100.0, ge=0)
    """Most requests per second: OneUptime answers 429 above 100 operations a second per
    project (contracts/oneuptime.md §3.1), summed over its keys, so lower it when other
    clients share the project; 0 for no limit."""

    @field_validator("severity_map")
    @classmethod
    def _names_once(cls, names: dict[str, str]) -> dict[str, str]:
        # As the catalog looks them up (oneuptime_mapping.Catalog.configured).
        return _one_meaning(names, str.casefold, ANY_CASE)

    @model_validator(mode="after")
    def _one_status_per_state(self) -> OneuptimeRemote:
        # A state read as one status only: given for two, the one read is the last key's,
        # and the change the other key writes would read back as that status.
        named: dict[str, str] = {}
        for key in ("created_state_id", "ack_state_id", "resolved_state_id"):
            state_id = getattr(self, key)
            if state_id is None:
                continue
            same = named.setdefault(state_id.strip().casefold(), key)
            if same != key:
                raise ValueError(
                    f"{same} and {key} name the same state {state_id!r}: each status needs "
                    "a state of its own"
                )
        return self


class AohImsRemote(OidcRemote):
    """An AGIL Ops Hub IMS deployment: a static ``token``, or Keycloak sign-in (``token_url``)
    with the client_credentials grant (a service account) or, given ``username``, the password
    grant."""

    kind: Literal["aoh_ims"]
    status_map: dict[str, StatusName] = Field(default_factory=dict)
    """IMS status codes mapped to common statuses, over the defaults."""
    severity_map: dict[str, SeverityName] = Field(default_factory=dict)
    """IMS severity codes mapped to common severities, over the defaults."""
    # The write codes are checked against status_map even when left at their defaults.
    ack_status: str = Field(default="OPEN", validate_default=True)
    """The status code written to acknowledge; it must read as acknowledged."""
    resolve_status: str = Field(default="RESOLVED", validate_default=True)
    """The status code written to resolve; it must read as resolved."""
    reopen_status: str = Field(default="NEW", validate_default=True)
    """The status code written to reopen and on new incidents; it must read as triggered."""
    default_type: str = "OTHERS"
    """The incident type used for incidents created here."""
    reported_by: str = "incident-tui"
    """The reporter written on incidents created here."""

    @field_validator("status_map", "severity_map")
    @classmethod
    def _codes_once(cls, codes: dict[str, str]) -> dict[str, str]:
        # As the mapping looks them up (aoh_ims_codes.by_code).
        return _one_meaning(codes, normal_code, AS_CODE)

    @field_validator("ack_status", "resolve_status", "reopen_status")
    @classmethod
    def _code_reads_back(cls, word: str, info: ValidationInfo) -> str:
        _not_blank(word)
        status_map = info.data.get("status_map")  # absent when it has problems of its own
        if status_map is not None:
            _check_write_word(word, _field(info), known_status(word, status_map))
        return word

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> AohImsRemote:
        # Every problem in one message, so the user fixes the sign-in keys in one go.
        problems = _oidc_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


WRITE_STATUSES = {
    "ack_status": Status.ACKNOWLEDGED,
    "resolve_status": Status.RESOLVED,
    "reopen_status": Status.TRIGGERED,
}
"""The status each write-word key must read back as."""


def _field(info: ValidationInfo) -> str:
    """The name of the key a field validator is checking."""
    return info.field_name or ""


def _not_blank(word: str) -> None:
    """Refuse an empty or blank write word: the remote would be sent no status at all, and
    a blank word reads as triggered, so a reopen would pass the check below unnoticed."""
    if not word.strip():
        raise ValueError("must be a status word, not empty: the change would send no status")


def _check_write_word(word: str, key: str, read: Status | None) -> None:
    """Refuse a write word the remote's own reading (``read``, ``None`` for a word it does
    not know) takes for another status than ``key`` writes.

    Written as it is, such a word is read back as that other status at the next pull: the
    ack (or resolve) was reported as done and then silently undone in the list."""
    meant = WRITE_STATUSES[key]
    shown = read or Status.TRIGGERED  # as a pull shows a word it does not know
    if shown is not meant:
        raise ValueError(
            f"{word!r} reads as {shown.value}; add it to status_map as {meant.value} "
            f"or pick a word that means {meant.value}"
        )


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
    problem = url_problem(remote.token_url, root=False)
    if problem:
        problems.append(f"token_url {problem}")
    if remote.token or remote.token_env:
        # Two credentials would leave the user guessing which one the requests carry.
        problems.append("token/token_env and token_url are two ways to sign in: keep one")
    if not remote.client_id:
        problems.append("token_url needs client_id")
    if remote.username:
        if not (remote.password or remote.password_env):
            problems.append(USERNAME_WITHOUT_PASSWORD)
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
