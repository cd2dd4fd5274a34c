"""``list --severity`` over a cache synced from the emulators over HTTP: only the asked
severities are listed (``none`` for those without one), alone and together with ``--status``
and ``--remote``. The expected rows are written out by hand from the contract tables
(contracts/README.md, severity and status normalisation), not read back from the cache."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Point, Serve, cli

# title: (severity, status) as the contract tables map what each emulator is given below.
EXPECTED: dict[str, tuple[str | None, str]] = {
    # Kitehouse: priority name by keyword; status by keyword.
    "Gate alarm": ("critical", "triggered"),  # Critical, open
    "Fire door jammed": ("critical", "acknowledged"),  # Critical, in_progress
    "Boiler leak": ("major", "acknowledged"),  # High, in_progress
    "Broken chair": ("minor", "resolved"),  # Low, closed
    "Lost key": (None, "triggered"),  # Not assessed, open
    # AOH IMS: severity and status code tables.
    "Pump 3 tripped": ("critical", "triggered"),  # CRITICAL, NEW
    "Disk nearly full": ("major", "acknowledged"),  # HIGH, OPEN
    "Backup late": ("minor", "acknowledged"),  # MEDIUM, IN_PROGRESS
    "Fan noise": ("minor", "resolved"),  # LOW, RESOLVED
    "Badge reader offline": (None, "triggered"),  # "", NEW
    # Revily: never a severity; a new incident is triggered.
    "Pager storm": (None, "triggered"),
}


@pytest.fixture
def synced(serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]) -> None:
    """A cache synced from three emulators holding only the incidents of ``EXPECTED``."""
    kite = serve("kitehouse", sample=0)
    ops = serve("aoh_ims", sample=0)
    oncall = serve("revily", sample=0)
    kitehouse: Any = kite.emulator
    for title, priority, status in (
        ("Gate alarm", "Critical", "open"),
        ("Fire door jammed", "Critical", "in_progress"),
        ("Boiler leak", "High", "in_progress"),
        ("Broken chair", "Low", "closed"),
        ("Lost key", "Not assessed", "open"),
    ):
        kitehouse.add(title, priority=priority, status=status)
    aoh: Any = ops.emulator
    for name, severity, status in (
        ("Pump 3 tripped", "CRITICAL", "NEW"),
        ("Disk nearly full", "HIGH", "OPEN"),
        ("Backup late", "MEDIUM", "IN_PROGRESS"),
        ("Fan noise", "LOW", "RESOLVED"),
        ("Badge reader offline", "", "NEW"),
    ):
        aoh.add(name=name, severity=severity, status=status)
    revily: Any = oncall.emulator
    revily.add("Pager storm")
    point(("school", kite), ("ops", ops), ("oncall", oncall))
    cli(capsys, "sync", "--once")


def listed(capsys: pytest.CaptureFixture[str], *options: str) -> dict[str, dict[str, Any]]:
    """``list --json`` with ``options``: each row by title."""
    rows = json.loads(cli(capsys, "list", "--json", *options)[0])
    by_title = {row["title"]: row for row in rows}
    assert len(by_title) == len(rows), "a title listed twice"
    return by_title


def titles(severities: set[str | None], statuses: set[str] | None = None) -> set[str]:
    """The titles of ``EXPECTED`` with one of ``severities`` (and ``statuses``)."""
    return {
        title for title, (severity, status) in EXPECTED.items()
        if severity in severities and (statuses is None or status in statuses)
    }  # fmt: skip


@pytest.mark.usefixtures("synced")
def test_the_cache_holds_what_the_contract_tables_say(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = listed(capsys)
    assert {t: (r["severity"], r["status"]) for t, r in rows.items()} == EXPECTED


@pytest.mark.usefixtures("synced")
@pytest.mark.parametrize(
    ("options", "wanted"),
    [
        (["--severity", "critical"],
         {"Gate alarm", "Fire door jammed", "Pump 3 tripped"}),
        (["--severity", "major"], {"Boiler leak", "Disk nearly full"}),
        (["--severity", "minor"], {"Broken chair", "Backup late", "Fan noise"}),
        (["--severity", "none"], {"Lost key", "Badge reader offline", "Pager storm"}),
        (["--severity", "critical,minor"],
         {"Gate alarm", "Fire door jammed", "Pump 3 tripped", "Broken chair", "Backup late",
          "Fan noise"}),
        (["--severity", "major", "--severity", "none"],
         {"Boiler leak", "Disk nearly full", "Lost key", "Badge reader offline",
          "Pager storm"}),
    ],
)  # fmt: skip
def test_only_the_asked_severities_are_listed(
    capsys: pytest.CaptureFixture[str], options: list[str], wanted: set[str]
) -> None:
    rows = listed(capsys, *options)
    assert set(rows) == wanted
    asked = {None if w == "none" else w for o in options[1::2] for w in o.split(",")}
    assert titles(asked) == wanted  # the hand-written sets agree with the table above
    assert {row["severity"] for row in rows.values()} <= asked


@pytest.mark.usefixtures("synced")
@pytest.mark.parametrize(
    ("options", "wanted"),
    [
        (["--severity", "critical,major", "--status", "acknowledged"],
         {"Fire door jammed", "Boiler leak", "Disk nearly full"}),
        (["--severity", "minor", "--status", "resolved"], {"Broken chair", "Fan noise"}),
        (["--severity", "critical", "--status", "new"], {"Gate alarm", "Pump 3 tripped"}),
        (["--severity", "none", "--status", "triggered", "--remote", "ops"],
         {"Badge reader offline"}),
        (["--severity", "major", "--status", "resolved"], set()),
    ],
)  # fmt: skip
def test_severity_and_status_together_list_only_both(
    capsys: pytest.CaptureFixture[str], options: list[str], wanted: set[str]
) -> None:
    rows = listed(capsys, *options)
    assert set(rows) == wanted
