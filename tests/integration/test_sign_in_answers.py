"""Odd answers of a token endpoint, through ``sync --once`` against the 4HSE emulator over
HTTP: a garbled answer, or one without a token, is asked again, as any garbled answer is, and
never quoted (it may hold the token); a token whose lifetime is no number of seconds is used
all the same; a token endpoint that fails is named as the sign-in, not taken for the API; an
access token no header can carry fails the sign-in, never quoted, and refuses no queued change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui.domain.query import ListQuery
from incident_tui.emulators.fourhse_data import (
    DEFAULT_CLIENT_ID,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from incident_tui.store.reader import Reader
from tests.integration.conftest import Point, Serve, cli


def token_requests(emulator: Any) -> int:
    """How many requests the token endpoint has had."""
    return sum(1 for entry in emulator.log if entry.path == "/token")


def cached(tmp_path: Path) -> int:
    """How many incidents the cache holds."""
    return len(Reader.open(tmp_path / "cache.db").all_rows(ListQuery()))


def test_a_garbled_token_answer_is_asked_again(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plant: Any = serve("fourhse", sample=5)
    plant.emulator.faults.add("malformed", method="POST", path="^/token$", times=1)
    point(("plant", plant))
    out, err = cli(capsys, "sync", "--once")
    assert "plant: ok" in out, (out, err)
    assert token_requests(plant.emulator) == 2
    assert cached(tmp_path) == 5


def test_a_garbled_token_answer_every_time_fails_without_quoting_it(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    plant: Any = serve("fourhse", sample=5)
    plant.emulator.faults.add("malformed", method="POST", path="^/token$", times=100)
    point(("plant", plant))
    out, err = cli(capsys, "sync", "--once", status=1)
    assert "4HSE token endpoint answered with garbage" in out + err
    assert token_requests(plant.emulator) > 1


@pytest.mark.parametrize("body", [{}, {"access_token": ""}, []], ids=["empty", "blank", "list"])
def test_a_token_answer_without_a_token_is_asked_again(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str], body: Any
) -> None:
    # A proxy's empty 200 reads as no token at all: a flaky answer, as garbage is.
    plant: Any = serve("fourhse", sample=5)
    plant.emulator.faults.add("status", status=200, body=body, method="POST", path="^/token$")
    point(("plant", plant))
    out, err = cli(capsys, "sync", "--once")
    assert "plant: ok" in out, (out, err)
    assert token_requests(plant.emulator) == 2
    assert cached(tmp_path) == 5
    plant.emulator.faults.add(
        "status", status=200, body=body, method="POST", path="^/token$", times=100
    )
    out, err = cli(capsys, "sync", "--once", status=1)
    assert "4HSE token endpoint answered without an access_token" in out + err, (out, err)


@pytest.mark.parametrize(
    "lifetime", ["3600s", "", None, -5, "1e999", pytest.param(10**400, id="past-any-float")]
)
def test_a_token_lifetime_that_is_no_number_of_seconds_is_used_all_the_same(
    serve: Serve,
    point: Point,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    lifetime: Any,
) -> None:
    plant: Any = serve("fourhse", sample=5)
    # A token the emulator did issue, handed out in an answer whose lifetimes are odd.
    form = {
        "grant_type": "password", "client_id": DEFAULT_CLIENT_ID,
        "username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD,
    }
    issued = httpx.post(f"{plant.url}/token", data=form, timeout=5).json()
    odd = {
        "access_token": issued["access_token"], "token_type": "Bearer",
        "expires_in": lifetime, "refresh_token": issued["refresh_token"],
        "refresh_expires_in": lifetime,
    }
    plant.emulator.faults.add(
        "status", method="POST", path="^/token$", times=1, status=200, body=odd
    )
    point(("plant", plant))
    out, err = cli(capsys, "sync", "--once")
    assert "plant: ok" in out and "internal error" not in out + err, (out, err)
    assert token_requests(plant.emulator) == 2  # the test's own and one sign-in
    assert cached(tmp_path) == 5


def test_a_token_endpoint_that_fails_is_named_as_the_sign_in(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    # Keycloak is often another server than the API: "HTTP 503" alone reads as 4HSE down.
    plant: Any = serve("fourhse", sample=5)
    plant.emulator.faults.add("status", status=503, method="POST", path="^/token$", times=-1)
    point(("plant", plant))
    out, err = cli(capsys, "sync", "--once", status=1)
    said = f"plant: failed: 4HSE sign-in at {plant.url}/token answered HTTP 503: "
    assert said in out, (out, err)
    assert token_requests(plant.emulator) > 1  # tried again, as any server error


def test_an_access_token_no_header_can_carry_fails_the_sign_in_and_refuses_no_change(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plant: Any = serve("fourhse", sample=5)
    point(("plant", plant))
    cli(capsys, "sync", "--once")
    listed = json.loads(cli(capsys, "list", "--json")[0])
    target = next(i["id"] for i in listed if i["status"] != "resolved")
    cli(capsys, "ack", target)
    broken = "eyJhbGciOiJub25lIn0.c2VjcmV0\nX-Injected: 1"
    plant.emulator.faults.add(
        "status", method="POST", path="^/token$", times=-1, status=200,
        body={"access_token": broken, "token_type": "Bearer", "expires_in": 300},
    )

    out, err = cli(capsys, "sync", "--once", status=1)

    assert (
        "plant: failed: 4HSE token endpoint answered an access_token no request header can "
        "carry (a line break, a control character or a letter outside ASCII)"
    ) in out, (out, err)
    assert "c2VjcmV0" not in out + err
    assert b"c2VjcmV0" not in (tmp_path / "cache.db").read_bytes()
    assert cli(capsys, "outbox")[0].split()[:4] == ["1", "queued", "acknowledge", target]
