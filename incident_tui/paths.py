"""Where things live on disk (XDG base directories), computed when asked, never at import."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from incident_tui.config_error import ConfigError

APP_DIR = "incident-tui"
CONFIG_ENV = "INCIDENT_TUI_CONFIG"
"""The variable naming the config file when ``--config`` is not given."""


def home(what: str, instead: str) -> Path:
    """The user's home folder, in which ``what`` is by default.

    :class:`ConfigError` when none can be found (HOME unset, and a user id the password file
    does not have: a container run under another user id), saying to set HOME or to give
    ``instead``: Python's own error is a traceback that names neither."""
    try:
        return Path.home()
    except RuntimeError:
        raise ConfigError(
            f"cannot tell your home folder, {what} by default (HOME is not set, and your "
            f"user id has no entry in the password file): set HOME, or give {instead}"
        ) from None


def _xdg(variable: str, fallback: str, what: str, instead: str) -> Path:
    value = os.environ.get(variable)
    # The XDG spec says relative values are invalid and must be ignored.
    if value and os.path.isabs(value):
        return Path(value)
    return home(what, f"{instead} (or {variable})" if instead else variable) / fallback


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/incident-tui``."""
    return _xdg(
        "XDG_CONFIG_HOME", ".config", "where the config file is looked for",
        f"--config or {CONFIG_ENV}",
    ) / APP_DIR  # fmt: skip


def data_dir() -> Path:
    """``$XDG_DATA_HOME/incident-tui``."""
    return _xdg(
        "XDG_DATA_HOME", ".local/share", "where the cache is kept", "--db or INCIDENT_TUI_DB"
    ) / APP_DIR


def state_dir() -> Path:
    """``$XDG_STATE_HOME/incident-tui``."""
    return _xdg(
        "XDG_STATE_HOME", ".local/state", "where the TUI remembers its first screen", ""
    ) / APP_DIR


def config_file(flag: Path | None = None) -> Path:
    """The config file: ``--config``, then ``INCIDENT_TUI_CONFIG``, then the XDG default."""
    if flag is not None:
        return home_path(flag)
    env = os.environ.get(CONFIG_ENV)
    return home_path(env) if env else default_config_path()


def home_path(text: str | Path) -> Path:
    """``text`` as a path, a leading ``~`` or ``~user`` made that home folder.

    The shell leaves ``~`` alone after ``=`` (``--config=~/it.toml``) and in quotes, and
    nothing expands it in a variable or the config file. A home that cannot be found
    (``~nobody``) leaves the path as written, for the error that follows to quote."""
    path = Path(text)
    try:
        return path.expanduser()
    except RuntimeError:
        return path


def path_argument(flag: str, default: str) -> Callable[[str], Path]:
    """The ``type`` of a path option ``flag``: :func:`home_path`, refusing an empty or blank
    value as wrong usage. ``--db ""`` was the working folder, refused later as "a folder,
    not a cache file" (or, for ``--to``, silently used): say instead to leave ``flag`` out
    for ``default``."""

    def parse(text: str) -> Path:
        if not text.strip():
            raise argparse.ArgumentTypeError(
                f"an empty path names no file or folder: leave {flag} out for {default}"
            )
        return home_path(text)

    return parse


def absolute(path: Path) -> Path:
    """``path`` made absolute against the working folder, as written if that folder is gone
    (it was deleted under a running shell: the path then opens nothing either way)."""
    try:
        return path.absolute()
    except OSError:
        return path


def default_config_path() -> Path:
    """The config file used when neither ``--config`` nor ``INCIDENT_TUI_CONFIG`` is given."""
    return config_dir() / "config.toml"


def default_db_path() -> Path:
    """The cache used when neither ``--db`` nor ``INCIDENT_TUI_DB`` is given."""
    return data_dir() / "incidents.db"


def default_download_dir() -> Path:
    """Where downloaded attachments and exports go unless the config says otherwise."""
    where = home(
        "where downloads are saved", "download_dir in the config or INCIDENT_TUI_DOWNLOAD_DIR"
    )
    return where / "Downloads" / APP_DIR


def outbox_files_dir(db_path: Path) -> Path:
    """Where files queued for upload are kept until the remote accepts them (beside the cache)."""
    return db_path.parent / (db_path.stem + ".files")


PRIVATE_FOLDER_MODE = 0o700
"""Mode of a folder made for what only the user may read (the cache, its kept uploads),
as the XDG base directory spec asks of the folders a program creates."""

PRIVATE_FILE_MODE = 0o600
"""Mode of a file only the user may read: the cache holds the incidents, comments and
names of people, whatever the umask would let others read."""


def make_folder(folder: Path, *, private: bool = False) -> None:
    """Create ``folder`` and its parents as needed; ``private``: each folder made here is
    the user's alone (:data:`PRIVATE_FOLDER_MODE`), one already there is left as it is.

    ``OSError`` naming the path in the way when ``folder`` or a parent is a file, or saying
    there is no permission: the bare errors say only "File exists" or "Not a directory"."""
    try:
        if private:
            # mkdir(parents=True) gives the mode to the last folder only.
            for missing in reversed([p for p in (folder, *folder.parents) if not p.exists()]):
                missing.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        in_the_way = next(
            (p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), folder
        )
        raise OSError(f"{in_the_way} is a file, not a folder") from None
    except PermissionError:
        raise OSError(f"no permission to create {folder}") from None
