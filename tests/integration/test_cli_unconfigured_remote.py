"""Incidents of a remote taken out of the config stay in the cache and are listed, but no
sync sends a change to them: the command line refuses to queue one (it would wait for good),
still picks them out by remote name, shows them without reading them anew, and the sync
says when changes queued before wait for that remote."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Point, Serve, cli


def test_changes_to_an_unconfigured_remote_are_refused_and_named(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    status: Any = serve("oneuptime", sample=3)
    ops: Any = serve("aoh_ims", sample=2)
    point(("status", status), ("ops", ops))
    cli(capsys, "sync", "--once")
    listed = json.loads(cli(capsys, "list", "--json")[0])
    first, second = sorted(row["id"] for row in listed if row["remote"] == "status")[:2]
    ops_id = next(row["id"] for row in listed if row["remote"] == "ops")
    # Queued while the remote was still configured: it stays in the outbox.
    cli(capsys, "comment", first, "-m", "before the move")

    point(("ops", ops))  # status is taken out of the config
    out, err = cli(capsys, "ack", second, status=1)
    assert out == "" and "its remote 'status' is not in the config" in err
    out, err = cli(capsys, "comment", second, "-m", "lost?", status=1)
    assert "its remote 'status' is not in the config" in err
    # Several at once: the others are queued all the same, as for an unsupported change.
    out, err = cli(capsys, "ack", second, ops_id, status=1)
    assert out.startswith(f"queued: acknowledge {ops_id}") and second in err
    outbox = json.loads(cli(capsys, "outbox", "--json")[0])
    assert [(row["incident_id"], row["op"]) for row in outbox] == [
        (first, "comment"), (ops_id, "acknowledge"),
    ]

    # Still listed, and picked out by the remote's name; shown from the cache.
    rows = json.loads(cli(capsys, "list", "--remote", "status", "--json")[0])
    assert {row["remote"] for row in rows} == {"status"} and len(rows) == 3
    cli(capsys, "list", "--remote", "nowhere", status=1)
    out, err = cli(capsys, "show", "--fresh", second)
    assert second in out and "its remote 'status' is not in the config" in err

    out, err = cli(capsys, "sync", "--once")
    assert "1 queued change stays unsent: remote 'status' is not in the config" in err
    outbox = json.loads(cli(capsys, "outbox", "--json")[0])
    assert [(row["incident_id"], row["op"]) for row in outbox] == [(first, "comment")]


def test_changes_for_a_remote_that_never_synced_are_named_once_it_leaves_the_config(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    status: Any = serve("oneuptime", sample=0)
    ops: Any = serve("aoh_ims", sample=0)
    # Created while status was configured but before any sync: the cache has no state for
    # that remote, only the queued create. Before, `sync` said nothing about it.
    point(("status", status), ("ops", ops))
    cli(capsys, "create", "--remote", "status", "--title", "Made before any sync")
    point(("ops", ops))
    out, err = cli(capsys, "sync", "--once")
    assert "1 queued change stays unsent: remote 'status' is not in the config" in err
    assert status.emulator.log == []
