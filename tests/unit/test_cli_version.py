"""``incident-tui --version``: the installed package's version on stdout, exit status 0,
before any config or cache is read."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from incident_tui.cli import main


def test_version_prints_the_package_version(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A config that would not load: --version must not read it.
    broken = tmp_path / "config.toml"
    broken.write_text("not toml [[[\n")
    monkeypatch.setenv("INCIDENT_TUI_CONFIG", str(broken))
    with pytest.raises(SystemExit) as ended:
        main(["--version"])
    assert ended.value.code == 0
    out, err = capsys.readouterr()
    assert out == f"incident-tui {importlib.metadata.version('incident-tui')}\n"
    assert err == ""
