"""The layering rules of ARCHITECTURE.md, checked on what each package really imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))
"""


def imported_by(module: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


@pytest.mark.parametrize(
    "module",
    [
        "incident_tui.domain.model",
        "incident_tui.domain.mapping",
        "incident_tui.domain.text",
        "incident_tui.domain.query",
        "incident_tui.domain.capabilities",
        "incident_tui.domain.jsontext",
        "incident_tui.domain.media_types",
    ],
)
def test_domain_is_pure(module: str) -> None:
    assert not imported_by(module) & {"httpx", "sqlmodel", "sqlalchemy", "textual", "pydantic"}


@pytest.mark.parametrize(
    "module",
    [
        "incident_tui.store.actions",
        "incident_tui.sync.engine",
        "incident_tui.cli",
        "incident_tui.remote.base",
        "incident_tui.emulators.server",
        "incident_tui.config",
    ],
)
def test_nothing_outside_ui_imports_textual(module: str) -> None:
    assert "textual" not in imported_by(module)


def test_paint_path_reader_is_lean() -> None:
    loaded = imported_by("incident_tui.store.reader")
    assert not loaded & {"sqlmodel", "sqlalchemy", "httpx"}


@pytest.mark.parametrize(
    "module", ["incident_tui.cli", "incident_tui.ui.app", "incident_tui.startup"]
)
def test_quick_start_path_leaves_pydantic_for_later(module: str) -> None:
    # The TUI's quick start paints before validating settings; importing pydantic here
    # would put its ~0.2 s back in front of the first frame.
    assert not imported_by(module) & {"pydantic", "pydantic_settings", "sqlmodel", "httpx"}
