"""The status aliases of contracts/README.md (new, open, closed for triggered, acknowledged,
resolved) are taken wherever a user types a status word: ``list --status`` and a remote's
``status_map``, each read as the canonical word. In process over real cache and config
files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incident_tui.cli import main
from incident_tui.config import load_settings
from incident_tui.config_error import ConfigError
from incident_tui.config_remotes import AohImsRemote, KitehouseRemote
from incident_tui.domain.mapping import status_from_code, status_from_keywords
from incident_tui.domain.model import STATUS_ALIASES, Status
from tests.conftest import make_incident
from tests.unit.test_cli_outside import build


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A cache with two incidents in each status."""
    path = tmp_path / "cache.db"
    statuses = [Status.TRIGGERED, Status.ACKNOWLEDGED, Status.RESOLVED] * 2
    build(path, [make_incident(n, status=s) for n, s in enumerate(statuses, start=1)])
    return path


def listed(capsys: pytest.CaptureFixture[str], db: Path, *statuses: str) -> list[str]:
    """The statuses of the incidents ``list --json`` prints for ``--status`` words."""
    capsys.readouterr()
    argv = ["--db", str(db), "list", "--json"]
    for word in statuses:
        argv += ["--status", word]
    assert main(argv) == 0
    return sorted(row["status"] for row in json.loads(capsys.readouterr().out))


@pytest.mark.parametrize(("alias", "status"), list(STATUS_ALIASES.items()))
def test_list_status_takes_each_alias_for_its_status(
    cache: Path, capsys: pytest.CaptureFixture[str], alias: str, status: Status
) -> None:
    assert listed(capsys, cache, alias) == [status.value] * 2
    assert listed(capsys, cache, alias) == listed(capsys, cache, status.value)


def test_aliases_and_canonical_words_mix(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert listed(capsys, cache, "new,closed") == ["resolved"] * 2 + ["triggered"] * 2
    assert listed(capsys, cache, "open", "resolved") == ["acknowledged"] * 2 + ["resolved"] * 2
    assert listed(capsys, cache, "new,triggered") == ["triggered"] * 2


def test_another_word_is_still_wrong_usage_naming_the_aliases(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--db", str(cache), "list", "--status", "open,opn"])
    assert stopped.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last == (
        "incident-tui list: error: argument --status: unknown 'opn' "
        "(want triggered, acknowledged, resolved); aliases: new, open, closed"
    )


def test_list_help_names_the_aliases(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["list", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "triggered, acknowledged, resolved, or the aliases new, open, closed" in text


def config_file(tmp_path: Path, status_map: str) -> Path:
    """A config file with a Kitehouse and an AOH IMS remote sharing ``status_map`` (TOML)."""
    path = tmp_path / "config.toml"
    path.write_text(
        "[[remotes]]\n"
        'name = "school"\nkind = "kitehouse"\nbase_url = "http://127.0.0.1:9"\n'
        f'token = "t"\nsite_id = "s1"\nstatus_map = {status_map}\n'
        "[[remotes]]\n"
        'name = "ops"\nkind = "aoh_ims"\nbase_url = "http://127.0.0.1:9"\ntoken = "t"\n'
        f"status_map = {status_map}\n",
        encoding="utf-8",
    )
    return path


def test_a_status_map_takes_the_aliases_as_their_statuses(tmp_path: Path) -> None:
    words = '{ "in_review" = "new", "Parked" = "open", "Done" = "closed", "X" = "resolved" }'
    settings = load_settings(config_file(tmp_path, words))
    school = settings.remote("school")
    ops = settings.remote("ops")
    assert isinstance(school, KitehouseRemote) and isinstance(ops, AohImsRemote)
    canonical = {"in_review": "triggered", "Parked": "acknowledged", "Done": "resolved",
                 "X": "resolved"}  # fmt: skip
    assert school.status_map == ops.status_map == canonical
    # What the connectors map a remote's word with: "in_review" alone would read as
    # acknowledged (it holds "review").
    assert status_from_keywords("in_review", school.status_map) is Status.TRIGGERED
    assert status_from_keywords("in_review", {}) is Status.ACKNOWLEDGED
    assert status_from_code("PARKED", {}, ops.status_map) is Status.ACKNOWLEDGED


def test_a_status_map_with_another_word_is_still_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path, '{ "in_progress" = "started" }')
    with pytest.raises(ConfigError, match=r"status_map\.in_progress"):
        load_settings(path)
    assert main(["--config", str(path), "--db", str(tmp_path / "c.db"), "list"]) == 1
    assert "status_map.in_progress" in capsys.readouterr().err
