"""The rules :class:`Actions` applies before it queues anything, on real SQLite caches (and,
for refused changes, a real sync against the bundled Revily emulator over HTTP):

- a status change looks at the incident's current (local) status: acknowledging a resolved
  incident is refused, a change to the status it has (or reopening an open one) queues
  nothing, and of several ids the applicable ones are still queued;
- queuing a change keeps the mark of an earlier change the server refused;
- a new incident with a severity is refused on kinds that have no severity.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from incident_tui.cli import main
from incident_tui.clock import fixed_clock
from incident_tui.domain.model import Draft, Incident, Severity, Status
from incident_tui.domain.query import ListQuery
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.store.actions import ActionError, Actions, StatusRefused
from incident_tui.store.engine import session
from incident_tui.store.queued import StatusQueued
from incident_tui.store.reader import ListRow, Reader
from incident_tui.store.schema import IncidentRow
from incident_tui.store.upsert import upsert_incidents
from tests.conftest import NOW, make_incident


def build(path: Path, incidents: list[Incident]) -> Actions:
    """A cache file holding ``incidents``; returns its actions."""
    actions = Actions.open(path, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, incidents, NOW)
    return actions


@pytest.fixture
def actions(tmp_path: Path) -> Actions:
    """ops:r1 triggered, ops:r2 acknowledged, ops:r3 resolved (AOH IMS: can do all three)."""
    return build(
        tmp_path / "c.db",
        [
            make_incident(1, status=Status.TRIGGERED),
            make_incident(2, status=Status.ACKNOWLEDGED),
            make_incident(3, status=Status.RESOLVED),
        ],
    )


def listed(actions: Actions, incident_id: str) -> ListRow:
    """The incident's row as the list shows it."""
    (row,) = [r for r in Reader.open(actions.db_path).all_rows(ListQuery()) if r.id == incident_id]
    return row


def state(actions: Actions, incident_id: str) -> tuple[str, int]:
    """The incident's status and pending count as the list shows them."""
    row = listed(actions, incident_id)
    return row.status, row.pending


def queued_ops(actions: Actions) -> list[tuple[str, str]]:
    return [(c["incident_id"], c["op"]) for c in Reader.open(actions.db_path).outbox()]


# Status changes --------------------------------------------------------------------------


def test_acknowledging_a_resolved_incident_is_refused_saying_to_reopen_it(
    actions: Actions,
) -> None:
    with pytest.raises(StatusRefused) as refused:
        actions.acknowledge(["ops:r3"])
    reason = str(refused.value)
    # The command line and the TUI each add their own way to reopen (a command, a key).
    assert reason == "ops:r3 is resolved; reopen it first"
    assert [(s.incident_id, s.refused) for s in refused.value.skipped] == [("ops:r3", True)]
    assert isinstance(refused.value, ActionError)  # the TUI shows it as it shows any refusal
    assert state(actions, "ops:r3") == ("resolved", 0)
    assert queued_ops(actions) == []


def test_acknowledging_a_resolved_incident_that_cannot_be_reopened_says_it_is_final(
    tmp_path: Path,
) -> None:
    actions = build(
        tmp_path / "c.db",
        [make_incident(4, remote="oncall", kind="revily", status=Status.RESOLVED)],
    )
    with pytest.raises(StatusRefused) as refused:
        actions.acknowledge(["oncall:r4"])
    assert str(refused.value) == (
        "oncall:r4 is resolved, which is final on Revily (it cannot reopen an incident); "
        "nothing to acknowledge"
    )
    # Nothing for the command line or the TUI to add: reopening is no way out there.
    assert [s.reopen_first for s in refused.value.skipped] == [False]
    assert queued_ops(actions) == []


@pytest.mark.parametrize(
    ("call", "incident_id", "reason"),
    [
        ("acknowledge", "ops:r2", "ops:r2 is already acknowledged; nothing queued"),
        ("resolve", "ops:r3", "ops:r3 is already resolved; nothing queued"),
        ("reopen", "ops:r1", "ops:r1 is not resolved (triggered); nothing to reopen"),
        ("reopen", "ops:r2", "ops:r2 is not resolved (acknowledged); nothing to reopen"),
    ],
)
def test_a_change_to_where_the_incident_already_is_queues_nothing(
    actions: Actions, call: str, incident_id: str, reason: str
) -> None:
    before = state(actions, incident_id)
    result = getattr(actions, call)([incident_id])
    assert isinstance(result, StatusQueued) and result == []
    assert [(s.incident_id, s.reason, s.refused) for s in result.skipped] == [
        (incident_id, reason, False)
    ]
    assert state(actions, incident_id) == before
    assert queued_ops(actions) == []


def test_several_ids_queue_the_ones_that_apply_and_name_the_others(actions: Actions) -> None:
    result = actions.acknowledge(["ops:r3", "ops:r1", "ops:r2", "ops:r1"])
    # Still a list of what was queued, as before, for every existing caller.
    assert [(q.incident_id, q.op.value) for q in result] == [("ops:r1", "acknowledge")]
    assert [(s.incident_id, s.refused) for s in result.skipped] == [
        ("ops:r3", True),
        ("ops:r2", False),
    ]
    assert [s.incident_id for s in result.refused] == ["ops:r3"]
    assert queued_ops(actions) == [("ops:r1", "acknowledge")]
    assert state(actions, "ops:r1") == ("acknowledged", 1)
    assert state(actions, "ops:r3") == ("resolved", 0)


def test_the_applicable_changes_still_work_from_each_status(actions: Actions) -> None:
    assert [q.incident_id for q in actions.resolve(["ops:r1", "ops:r2", "ops:r3"])] == [
        "ops:r1",
        "ops:r2",
    ]
    reopened = actions.reopen(["ops:r1", "ops:r3"])
    assert [q.incident_id for q in reopened] == ["ops:r1", "ops:r3"] and not reopened.skipped
    assert [q.incident_id for q in actions.acknowledge(["ops:r3"])] == ["ops:r3"]
    assert state(actions, "ops:r3") == ("acknowledged", 2)


def test_an_unknown_incident_still_fails_the_whole_call(actions: Actions) -> None:
    with pytest.raises(ActionError) as raised:
        actions.acknowledge(["ops:r1", "ops:nope"])
    assert str(raised.value) == (
        "no incident 'ops:nope' in the cache; nothing was queued for any of the 2 incidents given"
    )
    with pytest.raises(ActionError) as raised:
        actions.acknowledge(["ops:nope"])
    assert str(raised.value) == "no incident 'ops:nope' in the cache"
    assert queued_ops(actions) == []


# A refused change keeps its mark -----------------------------------------------------------


def test_a_new_change_keeps_showing_an_earlier_refused_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with EmulatorServer(make_emulator("revily", sample=0)) as server:
        emulator = server.emulator
        incident = emulator.add("Pager storm")  # type: ignore[attr-defined]
        config = tmp_path / "config.toml"
        remote = emulator.remote_config("oncall")
        config.write_text(
            f'[[remotes]]\nname = "oncall"\nkind = "revily"\nbase_url = "{server.url}"\n'
            f'token = "{remote["token"]}"\n',
            encoding="utf-8",
        )
        where = ["--config", str(config), "--db", str(tmp_path / "c.db")]
        incident_id = f"oncall:{incident['id']}"
        assert main([*where, "sync", "--once"]) == 0
        assert main([*where, "ack", incident_id]) == 0
        emulator.faults.add(  # type: ignore[attr-defined]
            "status", status=422, path="/acknowledge$", body={"errors": {"state": ["locked"]}}
        )
        assert main([*where, "sync", "--once"]) == 0
        capsys.readouterr()
        assert main([*where, "resolve", incident_id]) == 0
        assert main([*where, "show", incident_id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert [(c["op"], c["state"]) for c in shown["changes"]] == [
        ("acknowledge", "failed"),
        ("resolve", "queued"),
    ]
    assert shown["failed"] and "locked" in shown["failed"]
    row = Reader.open(tmp_path / "c.db").all_rows(ListQuery())[0]
    assert row.failed and row.pending == 2  # the list's ✗ stays


def test_a_stale_refusal_with_no_refused_change_left_is_cleared(actions: Actions) -> None:
    with session(actions.engine) as s, s.begin():
        row = s.exec(select(IncidentRow).where(IncidentRow.id == "ops:r1")).one()
        row.failed = "HTTP 422: an old refusal"  # its change was discarded long ago
    actions.acknowledge(["ops:r1"])
    assert not listed(actions, "ops:r1").failed


# New incidents with a severity -------------------------------------------------------------


@pytest.mark.parametrize(("kind", "title"), [("fourhse", "4HSE"), ("revily", "Revily")])
def test_creating_with_a_severity_where_there_is_none_is_refused(
    actions: Actions, kind: str, title: str
) -> None:
    draft = Draft(title="Disk full", severity=Severity.CRITICAL)
    with pytest.raises(
        ActionError, match=f"^{title} incidents have no severity; create it without one$"
    ):
        actions.create("elsewhere", kind, draft)
    assert Reader.open(actions.db_path).count(ListQuery(remotes=frozenset({"elsewhere"}))) == 0
    assert queued_ops(actions) == []
    # Without one it is queued as before.
    assert actions.create("elsewhere", kind, Draft(title="Disk full")).op.value == "create"


@pytest.mark.parametrize("kind", ["kitehouse", "oneuptime", "aoh_ims"])
def test_creating_with_a_severity_where_there_is_one_is_queued(
    actions: Actions, kind: str
) -> None:
    queued = actions.create("there", kind, Draft(title="Disk full", severity=Severity.MINOR))
    detail = Reader.open(actions.db_path).detail(queued.incident_id)
    assert detail is not None and detail.incident["severity"] == "minor"


# Clearing a severity -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "title"), [("kitehouse", "Kitehouse"), ("oneuptime", "OneUptime")]
)
def test_clearing_a_severity_where_one_is_needed_is_refused(
    tmp_path: Path, kind: str, title: str
) -> None:
    actions = build(tmp_path / "c.db", [make_incident(1, remote="there", kind=kind)])
    with pytest.raises(
        ActionError, match=f"^{title} incidents always have a severity; it cannot be cleared$"
    ):
        actions.edit("there:r1", {"title": "Renamed", "severity": None})
    assert queued_ops(actions) == []
    assert listed(actions, "there:r1").title == "Incident number 1"
    # Another severity is queued as before.
    assert actions.edit("there:r1", {"severity": "minor"}).op.value == "edit"


def test_clearing_a_severity_where_it_can_be_is_queued(actions: Actions) -> None:
    assert actions.edit("ops:r1", {"severity": None}).op.value == "edit"
    assert listed(actions, "ops:r1").severity is None


@pytest.mark.parametrize("severity", ["minor", None])
def test_a_severity_where_there_is_none_is_refused_in_the_kind_s_name(
    tmp_path: Path, severity: str | None
) -> None:
    actions = build(tmp_path / "c.db", [make_incident(1, remote="plant", kind="fourhse")])
    with pytest.raises(ActionError, match="^4HSE incidents have no severity to edit$"):
        actions.edit("plant:r1", {"title": "Renamed", "severity": severity})
    assert queued_ops(actions) == []
