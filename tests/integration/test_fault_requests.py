"""Asking an emulator for a fault over HTTP: a fault that could never apply (a list of
methods, an unknown kind, a path that is no regular expression, a status that is no HTTP
status) is refused with a 400 that says why. It used to be taken, and then matched nothing,
so the request it was meant for went through as if no fault had been asked; and a request
the control endpoint refused was hung up on without an answer."""

from __future__ import annotations

import json
from dataclasses import fields

import httpx
import pytest

from incident_tui.cli_parser import EMULATE_FAULTS
from incident_tui.emulators.faults import FAULT_KINDS, Fault
from tests.integration.conftest import Serve


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"kind": "status", "status": 422, "method": "PATCH|PUT"}, "method must be one of GET"),
        ({"kind": "stauts"}, "kind must be one of status, delay"),
        ({"kind": "status", "path": "/incidents/(["}, "path is not a regular expression"),
        ({"kind": "status", "status": 42}, "status must be an HTTP status"),
        ({"kind": "status", "colour": "red"}, "colour"),
    ],
)
def test_a_fault_that_could_never_apply_is_refused_with_the_reason(
    serve: Serve, spec: dict[str, object], words: str
) -> None:
    srv = serve("kitehouse", sample=1)
    with httpx.Client(base_url=srv.url) as client:
        answer = client.post("/_emulator/faults", json=spec)
        assert answer.status_code == 400
        assert words in answer.json()["error"]
    assert srv.emulator.faults.take("PUT", "/incidents/x") is None  # nothing was queued


def test_a_fault_request_that_is_no_json_object_is_refused(serve: Serve) -> None:
    srv = serve("kitehouse", sample=1)
    with httpx.Client(base_url=srv.url) as client:
        garbage = client.post("/_emulator/faults", content=b'{"kind": "sta')
        assert garbage.status_code == 400 and "body is not JSON" in garbage.json()["error"]
        listed = client.post("/_emulator/faults", json=["status"])
        assert listed.status_code == 400 and "mapping" in listed.json()["error"]


def test_a_method_in_any_case_is_taken_and_limits_the_fault(serve: Serve) -> None:
    srv = serve("kitehouse", sample=1)
    with httpx.Client(base_url=srv.url) as client:
        spec = {"kind": "status", "status": 422, "method": "put", "times": 1}
        assert client.post("/_emulator/faults", json=spec).status_code == 201
    assert srv.emulator.faults.take("GET", "/incidents") is None
    fault = srv.emulator.faults.take("PUT", "/incidents/x")
    assert fault is not None and fault.status == 422


def test_the_emulate_help_tells_every_fault_and_its_example_works(serve: Serve) -> None:
    help_text = EMULATE_FAULTS
    for kind in FAULT_KINDS:
        assert kind in help_text
    for name in (f.name for f in fields(Fault)):
        assert f"\n    {name} " in help_text, name
    example = json.loads(help_text.split("-d '", 1)[1].split("'", 1)[0])
    srv = serve("kitehouse", sample=1)
    with httpx.Client(base_url=srv.url) as client:
        assert client.post("/_emulator/faults", json=example).status_code == 201
    fault = srv.emulator.faults.take("GET", "/incidents")
    assert fault is not None and (fault.status, fault.retry_after) == (503, "5")
