"""The TUI's quick start: what the first frame needs from the settings, remembered.

Importing and running pydantic-settings takes about 0.2 s, more than everything else the
first frame needs. So after each full validation the TUI keeps a :class:`StartView` (cache
path, theme, keys, remote names and kinds; never a token) under a digest of everything the
settings are built from: the config file's bytes, the ``INCIDENT_TUI_*`` variables, the XDG
folders, the working folder, the flags and the settings code itself. While that digest is
unchanged the settings would validate to the same values, so the list paints from the view
and the full settings are validated right after, in a thread, before anything syncs. Any
change, or an unreadable or foreign snapshot, takes the ordinary path: validate first.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incident_tui import paths
from incident_tui.config_error import ConfigError

if TYPE_CHECKING:
    from incident_tui.config import Settings

SNAPSHOT_VERSION = 1
KEEP = 8
"""Views kept (one per config, environment and flags combination), newest last."""
_ENVIRONMENT = ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME")
"""Variables besides ``INCIDENT_TUI_*`` that the settings' default paths depend on."""


@dataclass(frozen=True, slots=True)
class StartView:
    """The part of the settings the first frame reads."""

    db: Path
    theme: str
    keys: Mapping[str, str]
    remotes: tuple[tuple[str, str], ...]
    """(name, kind) of each configured remote, in config order."""
    disabled: tuple[str, ...] = ()
    """Configured remotes with ``enabled = false``: nothing syncs them, and the status line
    says so from the first frame."""

    @classmethod
    def of(cls, settings: Settings) -> StartView:
        """The view of validated settings, its cache path absolute: a path relative to the
        working folder, kept as written, would follow a later start's folder instead."""
        return cls(
            db=paths.absolute(settings.db_path()),
            theme=settings.theme,
            keys=dict(settings.keys),
            remotes=tuple((r.name, r.kind) for r in settings.remotes),
            disabled=tuple(r.name for r in settings.remotes if not r.enabled),
        )

    @property
    def remote_names(self) -> list[str]:
        """Configured remote names, in config order."""
        return [name for name, _ in self.remotes]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (read back by :meth:`from_json`)."""
        return {
            "db": str(self.db),
            "theme": self.theme,
            "keys": dict(self.keys),
            "remotes": [list(pair) for pair in self.remotes],
            "disabled": list(self.disabled),
        }

    @classmethod
    def from_json(cls, data: object) -> StartView | None:
        """The view in ``data``, or ``None`` when it is not one (a damaged snapshot, or one
        remembered before views said which remotes are disabled: the settings are then
        validated first, once)."""
        if not isinstance(data, dict):
            return None
        db, theme, keys, remotes = (data.get(k) for k in ("db", "theme", "keys", "remotes"))
        if not (isinstance(db, str) and db and isinstance(theme, str)):
            return None
        if not isinstance(keys, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
        ):
            return None
        if not isinstance(remotes, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
            for pair in remotes
        ):
            return None
        disabled = data.get("disabled")
        if not isinstance(disabled, list) or not all(isinstance(n, str) for n in disabled):
            return None
        return cls(
            Path(db), theme, dict(keys), tuple((name, kind) for name, kind in remotes),
            tuple(disabled),
        )


def snapshot_path() -> Path:
    """Where the remembered views are kept. :class:`ConfigError` when there is no such place
    (no home folder to keep them in): the TUI then starts without them, only more slowly."""
    return paths.state_dir() / "start-views.json"


def fingerprint(config: Path | None, overrides: Mapping[str, Any]) -> str:
    """A digest of everything :func:`incident_tui.config.load_settings` builds from."""
    path = paths.config_file(config)
    try:
        content = path.read_bytes().hex()
    except OSError as exc:
        content = f"unreadable: {type(exc).__name__}"
    environment = sorted(
        (name, value)
        for name, value in os.environ.items()
        if name.upper().startswith("INCIDENT_TUI_") or name in _ENVIRONMENT
    )
    parts = {
        "snapshot": SNAPSHOT_VERSION,
        "config": [str(path), content],
        "env": environment,
        "cwd": _cwd(),
        "flags": sorted((k, str(v)) for k, v in overrides.items() if v is not None),
        "code": [
            _stamp(Path(__file__).with_name("config.py")),
            _stamp(_origin("pydantic_settings")),
        ],
        "python": sys.version,
    }
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def recall(key: str) -> StartView | None:
    """The view remembered under ``key``, if there is a sound one."""
    try:
        data = json.loads(snapshot_path().read_text(encoding="utf-8"))
    except (OSError, ValueError, ConfigError):
        return None
    if not isinstance(data, dict) or data.get("version") != SNAPSHOT_VERSION:
        return None
    views = data.get("views")
    return StartView.from_json(views.get(key)) if isinstance(views, dict) else None


def remember(key: str, view: StartView) -> None:
    """Keep ``view`` under ``key`` (replacing the file atomically). Failing to write only
    costs the next start its speed, so a read-only or full disk is not an error."""
    try:
        target = snapshot_path()
    except ConfigError:
        return
    views: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(target.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("views"), dict):
            views = data["views"]
    views.pop(key, None)
    views[key] = view.to_json()
    kept = dict(list(views.items())[-KEEP:])
    text = json.dumps({"version": SNAPSHOT_VERSION, "views": kept}, indent=1)
    # A name of our own beside the target, then an atomic rename: a reader never sees half
    # a file, and two starts at once each write whole files (the last rename wins).
    temporary = target.with_name(f".start-views.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, target)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise


def _cwd() -> str:
    # A deleted working folder must not stop the TUI from starting.
    try:
        return os.getcwd()
    except OSError:
        return ""


def _origin(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin else None


def _stamp(path: Path | None) -> list[object]:
    if path is None:
        return ["missing"]
    try:
        info = path.stat()
    except OSError:
        return [str(path), "missing"]
    return [str(path), info.st_mtime_ns, info.st_size]
