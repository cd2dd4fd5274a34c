"""A first run with no config: ``list`` prints its header, and on stderr where the config was
looked for; it printed the header alone, and nothing said why the list was empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_tui.cli import main
from incident_tui.clock import fixed_clock
from incident_tui.store.actions import Actions
from incident_tui.store.engine import session
from incident_tui.store.upsert import upsert_incidents
from tests.conftest import NOW, make_incident


def test_list_with_no_remotes_and_an_empty_cache_says_where_the_config_goes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The XDG folders are tmp_path's, and no INCIDENT_TUI_* variable is set (tests/conftest).
    db = tmp_path / "cache.db"
    Actions.open(db, clock=fixed_clock(NOW))
    assert main(["list", "--db", str(db)]) == 0  # the status as ever
    out, err = capsys.readouterr()
    assert out.split() == ["ID", "SEV", "STATUS", "AGE", "P", "TITLE"]
    config = tmp_path / "xdg-config" / "incident-tui" / "config.toml"
    assert err == (
        f"incident-tui: the cache is empty: no remotes are configured in {config}, which "
        "does not exist (--config or INCIDENT_TUI_CONFIG name another file)\n"
    )
    # JSON too, on stderr: the output stays what a script reads.
    assert main(["list", "--db", str(db), "--json"]) == 0
    out, err = capsys.readouterr()
    assert out == "[]\n" and err.startswith("incident-tui: the cache is empty: ")


def test_list_says_nothing_more_once_there_is_a_remote_or_an_incident(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = tmp_path / "config.toml", tmp_path / "cache.db"
    config.write_text(
        '[[remotes]]\nname = "oncall"\nkind = "revily"\nbase_url = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    Actions.open(db, clock=fixed_clock(NOW))
    assert main(["list", "--config", str(config), "--db", str(db)]) == 0
    assert capsys.readouterr().err == ""
    # A remote taken out of the config leaves its incidents: they are the list.
    config.write_text("", encoding="utf-8")
    actions = Actions.open(db, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [make_incident(1, title="kept from before")], NOW)
    assert main(["list", "--config", str(config), "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert "kept from before" in out and err == ""
