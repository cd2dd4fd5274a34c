"""The OneUptime emulator's ``?output-type=csv`` over real HTTP (contracts/oneuptime.md §3.2):
any list or item call answers CSV instead of JSON, built from the same rows."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from incident_tui.emulators.oneuptime import API_KEY
from tests.integration.conftest import Serve
from tests.integration.test_oneuptime_emulator import MISSING, ou

SELECT = {"title": True, "incidentNumber": True, "isVisibleOnStatusPage": True,
          "currentIncidentState": {"name": True}, "labels": {"name": True}}


def api(srv: Any) -> httpx.Client:
    """A client for the emulator's /api with the default key (close it after use)."""
    return httpx.Client(base_url=f"{srv.url}/api", headers={"ApiKey": API_KEY}, timeout=5)


def rows(response: httpx.Response) -> list[dict[str, str]]:
    """A CSV answer's lines as dicts by header."""
    return list(csv.DictReader(io.StringIO(response.text)))


def test_a_list_call_answers_its_rows_as_csv(serve: Serve) -> None:
    srv = serve("oneuptime", sample=12)
    body = {"select": SELECT, "sort": {"incidentNumber": "ASC"}}
    with api(srv) as http:
        as_json = http.post("/incident/get-list?skip=2&limit=5", json=body).json()["data"]
        answer = http.post("/incident/get-list?skip=2&limit=5&output-type=csv", json=body)
        by_get = http.get("/incident/get-list", params={"output-type": "csv", "limit": 5,
                                                         "skip": 2}).text
    assert answer.status_code == 200
    # Express sends a string body as HTML: the server does not label it text/csv.
    assert answer.headers["Content-Type"].startswith("text/html")
    header = answer.text.splitlines()[0].split(",")
    assert {"_id", "title", "incidentNumber", "currentIncidentState.name"} <= set(header)
    assert "count" not in header  # only the data rows, not the envelope
    table = rows(answer)
    assert [r["_id"] for r in table] == [r["_id"] for r in as_json]
    for line, row in zip(table, as_json, strict=True):
        assert line["title"] == row["title"]
        assert line["incidentNumber"] == str(row["incidentNumber"])
        assert line["currentIncidentState.name"] == row["currentIncidentState"]["name"]
        assert line["isVisibleOnStatusPage"] == str(row["isVisibleOnStatusPage"]).lower()
    assert len(by_get.splitlines()) == 6  # the header and the five rows, without a body


def test_an_item_call_answers_one_csv_row_and_quotes_what_needs_it(serve: Serve) -> None:
    srv = serve("oneuptime")
    row = ou(srv).add('Checkout "503", then timeouts\nfor EU users')
    with api(srv) as http:
        answer = http.post(f"/incident/{row['_id']}/get-item?output-type=csv",
                           json={"select": {"title": True, "labels": {"name": True}}})
        missing = http.post(f"/incident/{MISSING}/get-item?output-type=csv")
        json_still = http.post(f"/incident/{row['_id']}/get-item?output-type=json")
    assert answer.status_code == 200
    [line] = rows(answer)
    assert line["_id"] == row["_id"]
    assert line["title"] == 'Checkout "503", then timeouts\nfor EU users'
    assert line["labels"] == "[]"  # a list is written as JSON
    assert (missing.status_code, missing.text) == (200, "")  # the {} of a missing row
    assert json_still.json()["_id"] == row["_id"]


def test_typed_values_spread_into_dotted_columns(serve: Serve) -> None:
    srv = serve("oneuptime", sample=3, typed_values=True)
    with api(srv) as http:
        answer = http.post("/incident/get-list?output-type=csv",
                           json={"select": {"title": True, "createdAt": True}})
    [first, *_] = rows(answer)
    assert first["createdAt._type"] == "DateTime"
    assert first["createdAt.value"].endswith("Z") and first["_id"]  # _id stays a plain string
