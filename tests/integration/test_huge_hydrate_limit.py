"""``hydrate_limit`` (README, configuration): a limit beyond what SQLite counts in (a "read
them all" value such as 99999999999999999999) reads every full record, as any limit larger
than the cache does; it failed every pass with an internal error. Through the command line,
against the Kitehouse emulator over HTTP."""

from __future__ import annotations

import re

import pytest

from tests.integration.conftest import Point, Serve, cli


@pytest.mark.parametrize("limit", ["9223372036854775808", "99999999999999999999"])
def test_a_hydrate_limit_beyond_sqlite_integers_reads_every_full_record(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, limit: str,
) -> None:
    kite = serve("kitehouse", sample=6)
    point(("school", kite))
    monkeypatch.setenv("INCIDENT_TUI_HYDRATE_LIMIT", limit)
    out, err = cli(capsys, "sync", "--once")
    assert "internal error" not in out + err
    assert "synced 1 of 1 remotes" in out
    # One full-record read per incident: /incidents/<site>/<id>, nothing after the id.
    full = {r.path for r in kite.emulator.log
            if r.method == "GET" and re.fullmatch(r"/incidents/[^/]+/[0-9a-f]+", r.path)}
    assert len(full) == 6
