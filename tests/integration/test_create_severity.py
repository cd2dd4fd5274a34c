"""``create --severity`` on the kinds that carry one (Kitehouse, OneUptime, AOH IMS): after
``sync --once`` the emulator's own record has the severity the contract tables map it to
(contracts/README.md "Severity normalisation", kitehouse.md §7, oneuptime.md §6,
aoh-ims.md §7), and the synced cache shows it back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from incident_tui.emulators.aoh_ims import DEFAULT_TENANT
from incident_tui.emulators.kitehouse_data import PRIORITIES
from incident_tui.emulators.oneuptime_data import PROJECT_ID
from tests.integration.conftest import Point, Serve, cli

SEVERITIES = ("critical", "major", "minor")

KITEHOUSE_WORDS = {
    # kitehouse.md §7: severity from priority.name by keyword.
    "critical": ("critical", "urgent"),
    "major": ("high",),
    "minor": ("medium", "normal", "low"),
}
KITEHOUSE_NAMES = {"critical": "Critical", "major": "High", "minor": "Medium"}
"""The emulator's priorities its own config names for each severity (``priority_ids``)."""
ONEUPTIME_NAMES = {
    # oneuptime.md §6: the project's default IncidentSeverity rows.
    "critical": "Critical Incident",
    "major": "Major Incident",
    "minor": "Minor Incident",
}
AOH_CODES = {
    # aoh-ims.md §7: the severity code table (a code meaning the severity).
    "critical": ("CRITICAL",),
    "major": ("MAJOR", "HIGH"),
    "minor": ("MINOR", "MEDIUM", "LOW"),
}


def create_and_sync(
    capsys: pytest.CaptureFixture[str], remote: str, title: str, severity: str
) -> dict[str, Any]:
    """Queue the create, sync it, and return the incident as ``list --json`` shows it."""
    out, _ = cli(capsys, "create", "--remote", remote, "--title", title, "--severity", severity)
    assert out.startswith("queued: ")
    cli(capsys, "sync", "--once")
    rows = [r for r in json.loads(cli(capsys, "list", "--json")[0]) if r["title"] == title]
    assert len(rows) == 1, rows
    assert rows[0]["pending"] == 0  # the remote took it
    return rows[0]


@pytest.mark.parametrize("severity", SEVERITIES)
def test_kitehouse_gets_the_priority_of_the_severity(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], severity: str
) -> None:
    kite = serve("kitehouse", sample=3)  # a create learns category and source from these
    point(("school", kite))
    title = f"Kitehouse {severity} from the command line"
    row = create_and_sync(capsys, "school", title, severity)
    emulator: Any = kite.emulator
    records = [r for r in emulator.incidents.values() if r.short_description == title]
    assert len(records) == 1
    name = PRIORITIES[records[0].priority]["name"]
    assert name == KITEHOUSE_NAMES[severity]
    assert any(word in name.lower() for word in KITEHOUSE_WORDS[severity])
    assert row["remote_id"] == records[0].id and row["severity"] == severity


@pytest.mark.parametrize("severity", SEVERITIES)
def test_oneuptime_gets_the_incident_severity_of_the_severity(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], severity: str
) -> None:
    status = serve("oneuptime", sample=0)
    point(("status", status))
    title = f"OneUptime {severity} from the command line"
    row = create_and_sync(capsys, "status", title, severity)
    emulator: Any = status.emulator
    records = [r for r in emulator.tables["incident"].rows.values() if r["title"] == title]
    assert len(records) == 1
    chosen = emulator.tables["incident-severity"].rows[records[0]["incidentSeverityId"]]
    assert chosen["name"] == ONEUPTIME_NAMES[severity]
    assert row["remote_id"] == records[0]["_id"] and row["severity"] == severity


@pytest.mark.parametrize("severity", SEVERITIES)
def test_aoh_ims_gets_the_severity_code_of_the_severity(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], severity: str
) -> None:
    ops = serve("aoh_ims", sample=0)
    point(("ops", ops))
    title = f"AOH IMS {severity} from the command line"
    row = create_and_sync(capsys, "ops", title, severity)
    emulator: Any = ops.emulator
    stored = emulator.tenant(DEFAULT_TENANT).incidents.values()
    records = [r for r in stored if r["name"] == title]
    assert len(records) == 1
    assert records[0]["severity"] in AOH_CODES[severity]
    assert row["remote_id"] == records[0]["id"] and row["severity"] == severity


def test_kitehouse_severity_without_a_priority_id_is_refused_before_queueing(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    # Queued, it would only be refused at the next sync and left failed in the outbox.
    kite = serve("kitehouse", sample=0)
    config: dict[str, Any] = kite.emulator.remote_config("school")
    config["priority_ids"] = {"critical": config["priority_ids"]["critical"]}
    point(config)
    _, err = cli(capsys, "create", "--remote", "school", "--title", "Boiler leak",
                 "--severity", "major", status=1)
    assert err.strip() == (
        "incident-tui: no Kitehouse priority id is configured for severity 'major': "
        "set priority_ids.major for remote 'school'"
    )
    assert json.loads(cli(capsys, "outbox", "--json")[0]) == []
    # A severity that has its id, and none at all, are queued.
    for extra in (["--severity", "critical"], []):
        out, _ = cli(capsys, "create", "--remote", "school", "--title", "Boiler leak", *extra)
        assert out.startswith("queued: create school:")


def test_aoh_ims_severity_its_map_leaves_no_code_for_is_refused_before_queueing(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    # This deployment calls its worst incidents MAJOR and its merely bad ones HIGH: no code
    # is left that reads back as major, which the sync would only refuse later.
    ops = serve("aoh_ims", sample=0)
    point({**ops.emulator.remote_config("ops"),
           "severity_map": {"MAJOR": "critical", "HIGH": "critical"}})
    _, err = cli(capsys, "create", "--remote", "ops", "--title", "Boiler leak",
                 "--severity", "major", status=1)
    assert err.strip() == (
        "incident-tui: the severity_map of ops leaves no AOH IMS code that reads back as "
        "major: map the code to write for it to 'major' there"
    )
    assert json.loads(cli(capsys, "outbox", "--json")[0]) == []
    row = create_and_sync(capsys, "ops", "Boiler leak", "critical")
    assert row["severity"] == "critical"


@pytest.mark.parametrize(
    ("severity_map", "problem"),
    [
        # This project calls its worst incidents "Major Incident": none is left for major.
        ({"Major Incident": "critical"},
         "the severity_map of status leaves no severity of the project that reads as major: "
         "map the one to write for it to 'major' there"),
        # Without a map, a project whose one severity ranks first has none for major.
        ({}, "no severity of the project reads as major by its name or rank: map the one "
             "to write for it to 'major' in severity_map of remote 'status'"),
    ],
)
def test_oneuptime_severity_none_reads_as_is_refused_naming_severity_map(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
    severity_map: dict[str, str], problem: str,
) -> None:
    status = serve("oneuptime", sample=0)
    emulator: Any = status.emulator
    table = emulator.tables["incident-severity"].rows
    if not severity_map:
        for row_id in [i for i, r in table.items() if r["name"] != "Critical Incident"]:
            del table[row_id]
    point({**emulator.remote_config("status"), "severity_map": severity_map})
    cli(capsys, "create", "--remote", "status", "--title", "Checkout down", "--severity",
        "major")
    out, _ = cli(capsys, "sync", "--once")
    names = ", ".join(r["name"] for r in sorted(
        (r for r in table.values() if r["projectId"] == PROJECT_ID), key=lambda r: r["order"]))
    assert f"{problem} (its severities: {names})" in out
    assert not [r for r in emulator.tables["incident"].rows.values()
                if r["title"] == "Checkout down"]
