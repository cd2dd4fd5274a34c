"""Secrets read from the environment as files and terminals leave them, through ``sync
--once`` against the emulators over HTTP: a token or password with a line break or spaces
around it (a container's secret file, ``export`` of a copied line) is used without them, and a
token holding what no request header can carry fails its remote by name, never quoting the
token, while its queued change waits for the fix instead of being refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Point, Serve, cli

TOKEN_VAR = "TEST_SPACED_TOKEN"
PASSWORD_VAR = "TEST_SPACED_PASSWORD"


def from_env(server: Any, name: str, key: str, var: str) -> dict[str, Any]:
    """The emulator's own config for remote ``name``, with ``key`` read from ``var``."""
    config = server.emulator.remote_config(name)
    return {k: v for k, v in config.items() if k != key} | {f"{key}_env": var}


def queue_ack(capsys: pytest.CaptureFixture[str], remote: str) -> str:
    """Queue an acknowledge of one of ``remote``'s open incidents; its id."""
    listed = json.loads(cli(capsys, "list", "--json", "--remote", remote)[0])
    target = next(i["id"] for i in listed if i["status"] == "triggered")
    cli(capsys, "ack", target)
    return str(target)


@pytest.mark.parametrize("around", [("", "\n"), ("  ", "  "), ("", "\r\n")])
def test_a_secret_with_a_line_break_or_spaces_around_it_signs_in(
    serve: Serve,
    point: Point,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    around: tuple[str, str],
) -> None:
    ops, plant = serve("aoh_ims", sample=4), serve("fourhse", sample=3)
    before, after = around
    token = ops.emulator.remote_config("ops")["token"]
    password = plant.emulator.remote_config("plant")["password"]
    monkeypatch.setenv(TOKEN_VAR, f"{before}{token}{after}")
    # Spaces may belong to a password; line breaks never do.
    monkeypatch.setenv(PASSWORD_VAR, f"{password}{after.strip(' ')}")
    point(
        from_env(ops, "ops", "token", TOKEN_VAR),
        from_env(plant, "plant", "password", PASSWORD_VAR),
    )
    monkeypatch.setenv(TOKEN_VAR, token)
    cli(capsys, "sync", "--once")
    target = queue_ack(capsys, "ops")
    monkeypatch.setenv(TOKEN_VAR, f"{before}{token}{after}")

    out, err = cli(capsys, "sync", "--once")

    assert "ops: ok, pulled 0, pushed 1" in out and "plant: ok" in out, (out, err)
    assert ops.emulator.row(target.split(":", 1)[1])["status"] == "OPEN"
    assert cli(capsys, "outbox")[0].strip() == "no queued changes"


def test_a_token_no_header_can_carry_fails_its_remote_unquoted_and_keeps_the_change(
    serve: Serve,
    point: Point,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ops, oncall = serve("aoh_ims", sample=4), serve("revily", sample=3)
    token = ops.emulator.remote_config("ops")["token"]
    monkeypatch.setenv(TOKEN_VAR, token)
    point(from_env(ops, "ops", "token", TOKEN_VAR), ("oncall", oncall))
    cli(capsys, "sync", "--once")
    target = queue_ack(capsys, "ops")
    # Two lines pasted as one value: the second half is no part of any token.
    monkeypatch.setenv(TOKEN_VAR, f"{token}\nsecond-line-of-the-file")
    ops.emulator.log.clear()

    out, err = cli(capsys, "sync", "--once", status=1)

    reason = (
        f"token_env {TOKEN_VAR} of remote 'ops' holds a line break, a control character or "
        "a letter outside ASCII, which no request header can carry: set it to the token alone"
    )
    assert f"ops: failed: {reason}" in out and "oncall: ok" in out, (out, err)
    assert token not in out + err
    assert ops.emulator.log == []
    queued = cli(capsys, "outbox")[0].split()
    assert queued[:4] == ["1", "queued", "acknowledge", target]
    assert token.encode() not in (tmp_path / "cache.db").read_bytes()

    monkeypatch.setenv(TOKEN_VAR, token)
    out, _ = cli(capsys, "sync", "--once")
    assert "ops: ok, pulled 0, pushed 1" in out
