"""A config file that holds a secret and that other users may read is warned about, on
stderr by the commands (which still run), for each real file mode; one whose secrets come
from variables, or that only its owner reads, is not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from incident_tui.cli import main
from incident_tui.config_permissions import exposed_secret

REMOTE = '[[remotes]]\nname = "school"\nkind = "revily"\nbase_url = "http://127.0.0.1:9"\n'


def config(tmp_path: Path, mode: int, secret: str = 'token = "kh_0c5d7b3a"') -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'db = "{tmp_path / "cache.db"}"\n\n{REMOTE}{secret}\n')
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize(
    ("mode", "who"), [(0o644, "other users"), (0o604, "other users"),
                      (0o640, "the users of its group")]
)
def test_a_secret_others_can_read_is_warned_about(tmp_path: Path, mode: int, who: str) -> None:
    path = config(tmp_path, mode)
    assert exposed_secret(path) == (
        f"{path} holds the token of remote 'school' and {who} can read it (mode {mode:04o}): "
        f"make the file yours alone (chmod 600 {path}), or give the secret by token_env"
    )


@pytest.mark.parametrize("key", ["password", "client_secret"])
def test_a_password_or_client_secret_too(tmp_path: Path, key: str) -> None:
    warning = exposed_secret(config(tmp_path, 0o644, f'{key} = "p4ss"'))
    assert warning is not None and f"holds the {key} of remote 'school'" in warning
    assert warning.endswith(f"give the secret by {key}_env")


def test_no_warning_for_the_owner_alone_or_secrets_in_variables(tmp_path: Path) -> None:
    assert exposed_secret(config(tmp_path, 0o600)) is None
    assert exposed_secret(config(tmp_path, 0o644, 'token_env = "SCHOOL_TOKEN"')) is None
    assert exposed_secret(tmp_path / "missing.toml") is None
    assert exposed_secret(None) is None


def test_the_commands_warn_on_stderr_and_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, 0o644)
    assert main(["--config", str(path), "list", "--json"]) == 0
    out, err = capsys.readouterr()
    assert out == "[]\n"
    assert err == f"incident-tui: {exposed_secret(path)}\n"
    os.chmod(path, 0o600)
    assert main(["--config", str(path), "list", "--json"]) == 0
    assert capsys.readouterr().err == ""
