"""Credentials a remote quotes back in its error, through the command line against the
emulators over HTTP: a server (or a proxy in front of it) that answers "token ... has
expired" or "client secret ... does not match" had the token, API key, password or client
secret printed by ``sync`` and kept in the cache with the failure (the remote's row, the
refused change's). They are now shown as ``***``, the rest of the text as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Point, Serve, cli


def cache_bytes(tmp_path: Path) -> bytes:
    """Everything of the cache on disk: the file and its write-ahead log."""
    return b"".join(p.read_bytes() for p in tmp_path.glob("cache.db*"))


def test_a_token_quoted_by_a_refusal_is_hidden(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    revily = serve("revily", sample=2)
    point(("oncall", revily))
    token = revily.emulator.remote_config("oncall")["token"]
    revily.emulator.faults.add(
        "status", status=401, body={"error": f"token {token} has expired"}, times=-1
    )
    out, err = cli(capsys, "sync", "--once", status=1)
    assert token not in out + err
    assert "HTTP 401: token *** has expired" in err
    assert token.encode() not in cache_bytes(tmp_path)


def test_a_token_quoted_by_a_refused_change_is_hidden(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    revily = serve("revily", sample=2)
    point(("oncall", revily))
    token = revily.emulator.remote_config("oncall")["token"]
    cli(capsys, "sync", "--once")
    incident = json.loads(cli(capsys, "list", "--json")[0])[0]["id"]
    cli(capsys, "ack", incident)
    revily.emulator.faults.add(
        "status", status=422, method="PUT", times=-1,
        body={"error": f"no such transition for the user of token {token}"},
    )
    out, err = cli(capsys, "sync", "--once")
    assert "refused" in out + err and token not in out + err
    (change,) = json.loads(cli(capsys, "outbox", "--json")[0])
    assert change["last_error"].endswith("no such transition for the user of token ***")
    assert token.encode() not in cache_bytes(tmp_path)


@pytest.mark.parametrize("status", [401, 503])
def test_a_client_secret_quoted_by_the_sign_in_is_hidden(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    status: int,
) -> None:
    # Keycloak's refusal has its reason in error_description; a server error, in the body.
    aoh = serve("aoh_ims", sample=2)
    config: dict[str, Any] = aoh.emulator.remote_config("ops", sign_in="client_credentials")
    point(config)
    secret = config["client_secret"]
    words = f"client secret {secret} does not match"
    aoh.emulator.faults.add(
        "status", status=status, path="/openid-connect/token", times=-1,
        body={"error": "invalid_client", "error_description": words} if status == 401
        else {"errorMessage": words},
    )
    out, err = cli(capsys, "sync", "--once", status=1)
    assert secret not in out + err
    assert "client secret *** does not match" in err
    assert secret.encode() not in cache_bytes(tmp_path)


def test_a_password_quoted_by_the_sign_in_is_hidden(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    fourhse = serve("fourhse", sample=2)
    config: dict[str, Any] = fourhse.emulator.remote_config("plant")
    point(config)
    password = config["password"]
    fourhse.emulator.faults.add(
        "status", status=400, path="/token", times=-1,
        body={"error": "invalid_grant",
              "error_description": f"password {password} of {config['username']} is wrong"},
    )
    _, err = cli(capsys, "sync", "--once", status=1)
    assert f"password *** of {config['username']} is wrong" in err
    assert password not in err
