"""``incident-tui emulate`` whose standard output cannot take its address and config (a full
disk, stdout closed): it listens already, so it serves all the same, says so on stderr with
its address, and Ctrl-C ends it with status 0 as ever. The program runs in a child process,
as only there standard output is a real file or none at all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest

from incident_tui.emulators import make_emulator
from tests.conftest import dead_port
from tests.integration.test_cli_output_lost import REPO


@pytest.mark.parametrize(
    ("where", "why"), [("full", "No space left on device"), ("closed", "it is closed")]
)
def test_an_emulator_whose_output_is_lost_serves_all_the_same(where: str, why: str) -> None:
    port = dead_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(REPO)
    with open("/dev/full", "wb") as full:
        process = subprocess.Popen(
            [sys.executable, "-m", "incident_tui", "emulate", "revily", "--sample", "3",
             "--port", str(port)],
            stdout=full.fileno() if where == "full" else None,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            preexec_fn=(lambda: os.close(1)) if where == "closed" else None,
        )  # fmt: skip
    try:
        assert process.stderr is not None
        url = f"http://127.0.0.1:{port}"
        assert process.stderr.readline() == (
            f"incident-tui: cannot write to standard output ({why}); the emulator serves all "
            f"the same on {url} until Ctrl-C\n"
        )
        token = make_emulator("revily", sample=0).remote_config("revily")["token"]
        response = httpx.get(
            f"{url}/incidents", headers={"Authorization": f'Token token="{token}"'}
        )
        assert response.status_code == 200 and len(response.json()) == 3
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert process.stderr.read() == ""
    finally:
        process.kill()
        process.wait()
