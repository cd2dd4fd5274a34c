"""What the command line reports about changes, against the emulators over HTTP: every
``sync --once`` names the refused changes still waiting and those held behind them (the
pass that refused one names it, its incident and the reason); a bulk
status change queues what each remote can and names the rest; deleting what was never sent
says it was cancelled, not queued; a reopen shows the status the remote will have; and a
failed pass says what to do about refused credentials or a remote out of reach."""

from __future__ import annotations

import json
from typing import Any

import pytest

from incident_tui.emulators.fourhse_data import DEFAULT_SUBTENANT_ID
from tests.conftest import dead_port
from tests.integration.conftest import Point, Serve, cli

STUCK = "1 refused change, 1 held behind it"
WAITING = f"waiting for you: {STUCK} (see incident-tui outbox)"



def listed(capsys: pytest.CaptureFixture[str], incident_id: str) -> dict[str, Any]:
    """The incident as ``list --json`` has it."""
    rows = json.loads(cli(capsys, "list", "--json")[0])
    return next(row for row in rows if row["id"] == incident_id)  # type: ignore[no-any-return]


def outbox(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """``outbox --json``, parsed."""
    return json.loads(cli(capsys, "outbox", "--json")[0])  # type: ignore[no-any-return]


# A: refused changes keep being reported --------------------------------------------------


def test_every_sync_names_the_refused_change_and_what_waits_behind_it(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    ops = serve("aoh_ims", sample=0)
    row = ops.emulator.add(name="Pump 3 tripped", status="NEW")  # type: ignore[attr-defined]
    point(("ops", ops))
    cli(capsys, "sync", "--once")
    incident_id = f"ops:{row['id']}"
    cli(capsys, "attribute", incident_id, "count", "1")
    # The deployment drops the attribute before the sync: the remote refuses its value.
    del ops.emulator.attribute_meta["count"]  # type: ignore[attr-defined]
    cli(capsys, "comment", incident_id, "--message", "after the refused one")

    first, _ = cli(capsys, "sync", "--once")
    assert "ops: ok, pulled 0, pushed 0, 1 refused" in first and WAITING in first
    # Which change, of which incident, and the remote's reason, under the remote's line.
    [named] = [line for line in first.splitlines() if line.startswith("  refused: ")]
    assert named.startswith(f"  refused: set attribute {incident_id}: HTTP 4")
    assert "attribute count is not defined" in named, named
    # The pass that refuses nothing new still says what waits, on the remote's line and in
    # the summary; the remote synced all the same, so the exit status stays 0.
    again, err = cli(capsys, "sync", "--once")
    remote_line, summary_line = again.splitlines()[-2:]
    assert remote_line.startswith("ops: ok, pulled 0, pushed 0 (") and WAITING in remote_line
    assert summary_line == (
        f"synced 1 of 1 remotes; waiting for you: ops {STUCK} (see incident-tui outbox)"
    )
    assert err == ""
    assert [(c["state"], c["op"]) for c in outbox(capsys)] == [
        ("failed", "set_attribute"),
        ("queued", "comment"),
    ]

    refused = outbox(capsys)[0]["seq"]
    cli(capsys, "discard", str(refused))
    settled, _ = cli(capsys, "sync", "--once")
    assert "waiting for you" not in settled and "pushed 1" in settled
    assert outbox(capsys) == []


# B: a bulk status change queues what each remote can ---------------------------------------


def test_a_bulk_reopen_queues_what_each_remote_can_and_names_the_rest(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = serve("kitehouse", sample=0)
    oncall = serve("revily", sample=0)
    kept = kite.emulator.add("Broken gate", status="resolved")  # type: ignore[attr-defined]
    paged = oncall.emulator.add("Pager storm")  # type: ignore[attr-defined]
    oncall.emulator.transition(paged["id"], "resolve")  # type: ignore[attr-defined]
    point(("school", kite), ("oncall", oncall))
    cli(capsys, "sync", "--once")
    school_id, oncall_id = f"school:{kept['_id']}", f"oncall:{paged['id']}"
    assert listed(capsys, oncall_id)["status"] == "resolved"

    out, err = cli(capsys, "reopen", school_id, oncall_id, status=1)
    assert out.startswith(f"queued: reopen {school_id} (change ")
    assert err == f"incident-tui: {oncall_id} left out: Revily cannot reopen an incident.\n"
    assert [(c["op"], c["incident_id"]) for c in outbox(capsys)] == [("reopen", school_id)]

    # Alone it queues nothing, and the hint to reopen first (for a resolved acknowledge)
    # is not offered for what the remote cannot do at all.
    out, err = cli(capsys, "reopen", oncall_id, status=1)
    assert out == "" and "Revily cannot reopen" in err and "incident-tui reopen" not in err

    cli(capsys, "sync", "--once", "--remote", "school")
    assert kite.emulator.incident(kept["_id"])["status"] == "open"  # type: ignore[attr-defined]


# C: deleting what was never sent cancels it -------------------------------------------------


def test_deleting_an_unsent_incident_says_it_was_cancelled(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = serve("kitehouse", sample=0)
    point(("school", kite))
    out, _ = cli(capsys, "create", "--remote", "school", "--title", "Typo")
    local_id = out.split()[2]
    cli(capsys, "comment", local_id, "--message", "more")
    assert len(outbox(capsys)) == 2

    out, _ = cli(capsys, "delete", local_id, "--yes")
    assert out.splitlines()[-1] == f"cancelled: the unsent create of {local_id} (nothing was sent)"
    assert "queued:" not in out
    assert outbox(capsys) == []
    cli(capsys, "sync", "--once")
    assert kite.emulator.incidents == {}  # type: ignore[attr-defined]


# D: a reopen shows what the remote will have --------------------------------------------------


def test_a_reopen_shows_the_status_each_remote_will_have(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    safety = serve("fourhse", sample=0)
    kite = serve("kitehouse", sample=0)
    closed = safety.emulator.add(name="Spill", status="closed")  # type: ignore[attr-defined]
    done = kite.emulator.add("Broken gate", status="resolved")  # type: ignore[attr-defined]
    point(("safety", safety), ("school", kite))
    cli(capsys, "sync", "--once")
    safety_id = f"safety:{closed['office_incident_id']}"
    school_id = f"school:{done['_id']}"

    cli(capsys, "reopen", safety_id, school_id)
    # 4HSE reopens to "open", its acknowledged status; Kitehouse to its triggered "open".
    expected = {safety_id: "acknowledged", school_id: "triggered"}
    assert {i: listed(capsys, i)["status"] for i in expected} == expected
    cli(capsys, "sync", "--once")
    assert {i: listed(capsys, i)["status"] for i in expected} == expected
    assert listed(capsys, safety_id)["status_raw"] == "open"


def test_a_4hse_reopen_someone_else_made_first_is_done_not_a_conflict(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    safety = serve("fourhse", sample=0)
    closed = safety.emulator.add(name="Spill", status="closed")  # type: ignore[attr-defined]
    point(("safety", safety))
    cli(capsys, "sync", "--once")
    safety_id = f"safety:{closed['office_incident_id']}"
    cli(capsys, "reopen", safety_id)
    # Someone reopens it on 4HSE before our change goes out: the remote already has it.
    safety.emulator.touch(closed["office_incident_id"], status="open")  # type: ignore[attr-defined]
    cli(capsys, "sync", "--once")
    assert outbox(capsys) == []
    row = listed(capsys, safety_id)
    assert (row["status"], row["pending"]) == ("acknowledged", 0)


def test_deleting_an_unsent_comment_says_it_was_cancelled(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = serve("kitehouse", sample=0)
    gate = kite.emulator.add("Broken gate")  # type: ignore[attr-defined]
    point(("school", kite))
    cli(capsys, "sync", "--once")
    school_id = f"school:{gate['_id']}"
    cli(capsys, "comment", school_id, "--message", "typo")
    shown = json.loads(cli(capsys, "show", school_id, "--json")[0])
    # A comment not sent yet has no remote id: ``local-N``, N being its number in ``show``.
    number = int(shown["comments"][-1]["id"].removeprefix("local-"))
    out, _ = cli(capsys, "delete-comment", school_id, str(number), "--yes")
    assert out.splitlines()[-1] == (
        f"cancelled: the unsent comment #{number} on {school_id} (nothing was sent)"
    )
    assert outbox(capsys) == []


def test_a_4hse_create_without_an_office_is_refused_before_it_is_queued(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    safety = serve("fourhse", sample=0)
    config = safety.emulator.remote_config("safety")
    config.pop("subtenant_id", None)  # a project, and no office configured
    point(config)
    _, err = cli(capsys, "create", "--remote", "safety", "--title", "Spill", status=1)
    assert err == (
        "incident-tui: 4HSE needs an office to create an incident: set subtenant_id for "
        "remote 'safety' or pass --container OFFICE_ID\n"
    )
    assert json.loads(cli(capsys, "outbox", "--json")[0]) == []
    # With the office named, it is queued and created where asked.
    office = DEFAULT_SUBTENANT_ID
    cli(capsys, "create", "--remote", "safety", "--title", "Spill", "--container", office)
    cli(capsys, "sync", "--once")
    [made] = [row for row in safety.emulator.rows["incident"].values()]  # type: ignore[attr-defined]
    assert (made["name"], made["subtenant_id"]) == ("Spill", office)


# F: a failed pass says what to do about the usual causes ------------------------------------


def test_a_failed_pass_says_what_to_do_about_refused_credentials_and_no_answer(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    oncall = serve("revily", sample=2)
    refused = {**oncall.emulator.remote_config("oncall"), "token": "not-the-token"}
    ops = serve("aoh_ims", sample=0)
    down = {**ops.emulator.remote_config("down"), "base_url": f"http://127.0.0.1:{dead_port()}"}
    point(refused, down, ("ops", ops))
    out, err = cli(capsys, "sync", "--once", status=1)
    lines = out.splitlines()
    failed = next(i for i, line in enumerate(lines) if line.startswith("oncall: failed: HTTP 401"))
    assert lines[failed + 1] == (
        "  Credentials refused: check this remote's token or login in the config."
    )
    gone = next(i for i, line in enumerate(lines) if line.startswith("down: offline: "))
    assert lines[gone + 1] == "  Cannot reach the remote; changes stay queued until it answers."
    # The outcome stays each remote's last line under its name; one that synced gets no
    # hint; the summary stays the last line.
    assert [line for line in lines if line.startswith("oncall: ")][-1] == lines[failed]
    assert [line for line in lines if line.startswith("ops: ")][-1].startswith("ops: ok, ")
    assert sum(line.startswith("  ") for line in lines) == 2
    assert lines[-1] == "synced 1 of 3 remotes; failing: oncall, down"
    assert err.startswith("incident-tui: synced 1 of 3 remotes; failing: oncall (failed: HTTP 401")


def test_a_refused_sign_in_or_api_key_gets_the_credentials_hint_whatever_its_status(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    # OneUptime refuses a wrong API key with 400, not 401; a sign-in server refuses a wrong
    # password with 400 or 401 depending on the server.
    status = serve("oneuptime", sample=1)
    wrong_key = {**status.emulator.remote_config("status"), "token": "not-the-key"}
    plant = serve("fourhse", sample=1)
    wrong_password = {**plant.emulator.remote_config("plant"), "password": "not-the-password"}
    point(wrong_key, wrong_password)
    out, _ = cli(capsys, "sync", "--once", status=1)
    lines = out.splitlines()
    for name, outcome in (
        ("status", "failed: HTTP 400: Invalid API Key"),
        ("plant", "failed: 4HSE sign-in refused"),
    ):
        last = max(i for i, line in enumerate(lines) if line.startswith(f"{name}: "))
        assert lines[last].startswith(f"{name}: {outcome}"), lines[last]
        assert lines[last + 1] == (
            "  Credentials refused: check this remote's token or login in the config."
        )
