"""Comments whose author the remote gives blank, or at great length: ``show`` and the question
``delete-comment`` asks name them as the TUI and the handover do, through the AOH IMS emulator
over HTTP (colleagues signed in with such display names write them)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from incident_tui.emulators.aoh_ims_data import DEFAULT_TENANT
from tests.integration.conftest import Serve, cli

LONG_NAME = "Dr " + "Bartholomew-" * 40


def _comment_as(server: Any, incident: str, who: str, text: str) -> None:
    """Write ``text`` on ``incident`` over HTTP as a colleague whose display name is ``who``."""
    token = f"colleague-{len(server.emulator.tokens)}"
    server.emulator.tokens[token] = (DEFAULT_TENANT, who)
    answer = httpx.post(
        f"{server.emulator.base_url}/v1/incident/{incident}/comments",
        json={"text": text},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text


def test_blank_and_long_authors_read_as_elsewhere(
    serve: Serve, use: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    aoh = serve("aoh_ims", sample=0)
    row = aoh.emulator.add(name="Leak in the plant room", status="NEW")
    _comment_as(aoh, row["id"], "   ", "valve closed")
    _comment_as(aoh, row["id"], LONG_NAME, "pump restarted")
    use(("ops", aoh))
    incident = f"ops:{row['id']}"

    out, _ = cli(capsys, "show", incident, "--fresh")
    heads = [line for line in out.splitlines() if line.startswith("  #")]
    assert len(heads) == 2
    # The blank name is no name: said as the TUI and the handover say it, not left empty.
    assert heads[0].endswith("Z  unknown")
    # A name longer than a line is cut as theirs are (at 60), not printed whole.
    assert LONG_NAME not in out
    assert heads[1].endswith("Z  " + LONG_NAME[:59] + "…")

    number = heads[0].split()[0].lstrip("#")
    _, err = cli(capsys, "delete-comment", incident, number, status=1)
    assert "by unknown: 'valve closed'?" in err
    number = heads[1].split()[0].lstrip("#")
    _, err = cli(capsys, "delete-comment", incident, number, status=1)
    assert f"by {LONG_NAME[:59]}…: 'pump restarted'?" in err
