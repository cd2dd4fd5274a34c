"""The OneUptime emulator speaks contracts/oneuptime.md over real HTTP: ApiKey auth and its
400/401/422 answers, the generic CRUD list (skip/limit, query operators, select, sort),
get-item's 200 {}, create defaults, the update wrapper, delete, notes, timeline and quirks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from incident_tui.emulators import EmulatorServer
from incident_tui.emulators.oneuptime import (
    API_KEY,
    NO_PERMISSION_API_KEY,
    OTHER_API_KEY,
    OTHER_PROJECT_ID,
    PROJECT_ID,
    READ_ONLY_API_KEY,
    OneuptimeEmulator,
)
from incident_tui.emulators.oneuptime_values import iso
from tests.integration.conftest import FIXED_NOW, Serve

MISSING = "6b1f7a3c-0d2e-4f5a-8b9c-1d2e3f4a5b6c"


def ou(srv: EmulatorServer) -> OneuptimeEmulator:
    """The server's emulator, typed."""
    assert isinstance(srv.emulator, OneuptimeEmulator)
    return srv.emulator


_OPEN: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Close the clients :func:`client` opened during the test."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def client(srv: Any, key: str | None = API_KEY) -> httpx.Client:
    """A client for the emulator's /api with the given ApiKey (none when ``None``), reused
    for the server's lifetime and closed after the test."""
    clients: dict[str | None, httpx.Client] = srv.__dict__.setdefault("_test_clients", {})
    if key not in clients:
        headers = {"ApiKey": key} if key is not None else {}
        clients[key] = httpx.Client(base_url=f"{srv.url}/api", headers=headers, timeout=5)
        _OPEN.append(clients[key])
    return clients[key]


def ids(response: httpx.Response) -> list[str]:
    """The ``_id`` of every row of a list answer."""
    return [row["_id"] for row in response.json()["data"]]


def test_auth_failures_use_oneuptime_codes(serve: Serve) -> None:
    srv = serve("oneuptime", sample=5)
    anonymous = client(srv, None).post("/incident/get-list")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"error": "Authenticated user or a valid API key is needed to "
                                         "read record of Incident."}
    for key in ("not-a-uuid", "", MISSING):
        answer = client(srv, key).post("/incident/get-list")
        assert (answer.status_code, answer.json()) == (400, {"error": "Invalid API Key"})
    twice = httpx.post(f"{srv.url}/api/incident/get-list",
                       headers=[("ApiKey", API_KEY), ("ApiKey", API_KEY)])
    assert twice.status_code == 400
    none_granted = client(srv, NO_PERMISSION_API_KEY).post("/incident/get-list")
    assert none_granted.status_code == 422 and "permission" in none_granted.json()["error"]
    reader = client(srv, READ_ONLY_API_KEY)
    assert reader.post("/incident/get-list").status_code == 200
    created = reader.post("/incident", json={"data": {"title": "x"}})
    assert created.status_code == 422 and "Create Incident" in created.json()["error"]


def test_key_project_scopes_everything(serve: Serve) -> None:
    srv = serve("oneuptime", sample=5)
    mine = ids(client(srv).post("/incident/get-list"))
    other = client(srv, OTHER_API_KEY)
    assert other.post("/incident/get-list").json()["count"] == 0
    assert other.post(f"/incident/{mine[0]}/get-item", json={"select": {"title": True}}).json() \
        == {}
    states = other.post("/incident-state/get-list", json={"select": {"projectId": True}})
    assert {s["projectId"] for s in states.json()["data"]} == {OTHER_PROJECT_ID}
    foreign_severity = ou(srv).severity_id("Minor Incident", OTHER_PROJECT_ID)
    bad = client(srv).post("/incident", json={"data": {
        "title": "x", "incidentSeverityId": foreign_severity}})
    assert bad.status_code == 400 and "severity" in bad.json()["error"]
    foreign_state = ou(srv).state_id("Resolved", OTHER_PROJECT_ID)
    bad = client(srv).put(f"/incident/{mine[0]}", json={"data": {
        "currentIncidentStateId": foreign_state}})
    assert bad.status_code == 400 and "state" in bad.json()["error"]


def test_list_paging_limits_and_echo_quirk(serve: Serve) -> None:
    srv = serve("oneuptime", sample=30, max_limit=100)
    api = client(srv)
    first = api.post("/incident/get-list").json()
    assert (first["count"], first["limit"], first["skip"], len(first["data"])) == (30, 10, 0, 10)
    page = api.get("/incident/get-list?skip=25&limit=10").json()
    assert (page["skip"], page["limit"], len(page["data"])) == (25, 10, 5)
    in_body = api.post("/incident/get-list", json={"skip": 5, "limit": 20}).json()
    assert len(in_body["data"]) == 20 and in_body["limit"] == 10 and in_body["skip"] == 0
    assert ids(api.post("/incident/get-list?limit=20&skip=5")) == \
        [r["_id"] for r in in_body["data"]]
    for query, message in (("limit=101", "Limit should be less than 100"),
                           ("limit=0", "Limit should be greater than 0"),
                           ("skip=-1", "Skip should be greater than or equal to 0")):
        answer = api.post(f"/incident/get-list?{query}")
        assert (answer.status_code, answer.json()) == (400, {"error": message})
    assert api.post("/incident/get-list?limit=100").status_code == 200
    small = serve("oneuptime", sample=3, max_limit=5)
    assert client(small).post("/incident/get-list?limit=6").json() == {
        "error": "Limit should be less than 5"}


def test_select_and_sort(serve: Serve) -> None:
    srv = serve("oneuptime", sample=12)
    api = client(srv)
    bare = api.post("/incident/get-list?limit=3", json={"select": {}}).json()["data"]
    assert all(set(row) == {"_id"} for row in bare)
    rows = api.post("/incident/get-list?limit=100", json={"select": {
        "title": True, "createdAt": True,
        "currentIncidentState": {"name": True, "isResolvedState": True},
        "incidentSeverity": {"name": True}, "labels": {"name": True}, "monitors": True,
    }}).json()["data"]
    assert set(rows[0]) == {"_id", "title", "createdAt", "currentIncidentState",
                            "incidentSeverity", "labels", "monitors"}
    assert set(rows[0]["currentIncidentState"]) == {"_id", "name", "isResolvedState"}
    assert rows[0]["labels"][0]["name"] and set(rows[0]["monitors"][0]) == {"_id"}
    created = [row["createdAt"] for row in rows]
    assert created == sorted(created, reverse=True)  # default createdAt DESC
    for asc in ("ASC", 1):
        got = api.post("/incident/get-list?limit=100", json={
            "select": {"title": True}, "sort": {"title": asc}}).json()["data"]
        assert [r["title"] for r in got] == sorted(r["title"] for r in got)
    for desc in ("DESC", -1):
        got = api.post("/incident/get-list?limit=100", json={
            "select": {"createdAt": True}, "sort": {"createdAt": desc}}).json()["data"]
        assert [r["createdAt"] for r in got] == created
    assert api.post("/incident/get-list", json={"sort": {"title": "UP"}}).status_code == 400
    assert api.post("/incident/get-list", json={"sort": {"nope": "ASC"}}).status_code == 400


def query(api: httpx.Client, q: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows matching ``q`` (a handful of fields selected)."""
    answer = api.post("/incident/get-list?limit=100", json={
        "query": q, "select": {"title": True, "createdAt": True, "incidentNumber": True,
                               "rootCause": True}})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["data"])


def test_query_operators(serve: Serve) -> None:
    srv = serve("oneuptime", sample=40)
    api = client(srv)
    rows = query(api, {})
    title = rows[0]["title"]
    assert all(r["title"] == title for r in query(api, {"title": title}))
    assert all(r["title"] == title for r in query(api, {"title": {"_type": "EqualTo",
                                                                  "value": title}}))
    assert title not in {r["title"] for r in query(api, {"title": {"_type": "NotEqual",
                                                                   "value": title}})}
    numbers = lambda q: sorted(r["incidentNumber"] for r in query(api, q))  # noqa: E731
    assert numbers({"incidentNumber": {"_type": "GreaterThan", "value": 35}}) == [36, 37, 38, 39,
                                                                                   40]
    assert numbers({"incidentNumber": {"_type": "GreaterThanOrEqual", "value": 39}}) == [39, 40]
    assert numbers({"incidentNumber": {"_type": "LessThan", "value": 3}}) == [1, 2]
    assert numbers({"incidentNumber": {"_type": "LessThanOrEqual", "value": 2}}) == [1, 2]
    assert numbers({"incidentNumber": {"_type": "Includes", "value": [4, 9]}}) == [4, 9]
    assert numbers({"incidentNumber": {"_type": "InBetween", "startValue": 5,
                                       "endValue": 7}}) == [5, 6, 7]
    word = title.split()[0].lower()
    assert all(word in r["title"].lower() for r in query(api, {"title": {"_type": "Search",
                                                                         "value": word}}))
    with_cause = query(api, {"rootCause": {"_type": "NotNull"}})
    without = query(api, {"rootCause": {"_type": "IsNull"}})
    assert with_cause and without and len(with_cause) + len(without) == 40
    middle = sorted(r["createdAt"] for r in rows)[20]
    later = query(api, {"createdAt": {"_type": "GreaterThanOrEqual", "value": middle}})
    assert len(later) == 20 and all(r["createdAt"] >= middle for r in later)
    typed = query(api, {"createdAt": {"_type": "LessThan",
                                      "value": {"_type": "DateTime", "value": middle}}})
    assert len(typed) == 20
    assert api.post("/incident/get-list", json={"query": {"bogus": 1}}).status_code == 400
    bad = api.post("/incident/get-list", json={"query": {"title": {"_type": "Fuzzy",
                                                                   "value": "x"}}})
    assert bad.status_code == 400 and "error" in bad.json()
    count = api.post("/incident/count", json={"query": {"rootCause": {"_type": "NotNull"}}})
    assert count.json() == {"count": len(with_cause)}


def test_get_item(serve: Serve) -> None:
    srv = serve("oneuptime", sample=3)
    api = client(srv)
    first = ids(api.post("/incident/get-list"))[0]
    assert api.post(f"/incident/{first}/get-item").json() == {"_id": first}
    got = api.get(f"/incident/{first}/get-item", params={}).json()
    assert got == {"_id": first}
    full = api.post(f"/incident/{first}/get-item", json={"select": {"title": True}}).json()
    assert full["title"] == ou(srv).incident(first)["title"]
    assert api.post(f"/incident/{MISSING}/get-item").json() == {}
    assert api.post("/incident/nope/get-item").status_code == 400


def test_create_defaults_and_validation(serve: Serve) -> None:
    srv = serve("oneuptime", sample=2)
    api = client(srv)
    minor = ou(srv).severity_id("Minor Incident")
    made = api.post("/incident", json={"data": {
        "title": "Disk full", "incidentSeverityId": minor, "projectId": PROJECT_ID,
        "customFields": {"k": "v"}}})
    assert made.status_code == 200
    body = made.json()
    assert body["currentIncidentStateId"] == ou(srv).state_id("Identified")
    assert body["declaredAt"] == body["createdAt"] == "2026-11-22T12:00:00.000Z"
    assert (body["incidentNumber"], body["incidentNumberWithPrefix"]) == (3, "INC-3")
    assert body["customFields"] == {"k": "v"} and body["projectId"] == PROJECT_ID
    again = api.post("/incident", json={"data": {"title": "B", "incidentSeverityId": minor}})
    assert again.json()["incidentNumberWithPrefix"] == "INC-4"
    for data, word in (({"incidentSeverityId": minor}, "title"), ({"title": "x"}, "severity")):
        answer = api.post("/incident", json={"data": data})
        assert answer.status_code == 400 and word in answer.json()["error"].lower()
    assert api.post("/incident", json={"title": "flat"}).status_code == 400
    timeline = api.post("/incident-state-timeline/get-list", json={
        "query": {"incidentId": body["_id"]}, "select": {"incidentStateId": True}}).json()
    assert [t["incidentStateId"] for t in timeline["data"]] == [body["currentIncidentStateId"]]


def test_update_wrapper_and_state_timeline(serve: Serve) -> None:
    srv = serve("oneuptime", sample=3)
    api = client(srv)
    target = ids(api.post("/incident/get-list"))[0]
    flat = api.put(f"/incident/{target}", json={"title": "flat"})
    assert flat.status_code == 400
    assert flat.json()["error"].startswith("Invalid request body. The update payload should be")
    empty = api.put(f"/incident/{target}", json={"data": {"_id": target}})
    assert empty.status_code == 400 and empty.json()["error"].startswith("No fields to update")
    gone = api.put(f"/incident/{MISSING}", json={"data": {"title": "x"}})
    assert gone.status_code == 422 and gone.json()["error"].startswith(
        "Unable to update this incident. It either does not exist")
    assert api.put("/incident/nope", json={"data": {"title": "x"}}).status_code == 400
    before = ou(srv).incident(target)["updatedAt"]
    assert api.put(f"/incident/{target}", json={"data": {"title": "New"}}).json() == {}
    assert ou(srv).incident(target)["title"] == "New"
    assert ou(srv).incident(target)["updatedAt"] > before
    ack = ou(srv).state_id("Acknowledged")
    resolved = ou(srv).state_id("Resolved")
    assert api.post(f"/incident/{target}/update-item", json={
        "data": {"currentIncidentStateId": ack}}).json() == {}
    assert api.request("GET", f"/incident/{target}/update-item", json={
        "data": {"currentIncidentStateId": {"_type": "ObjectID", "value": resolved}}}
    ).status_code == 200
    assert ou(srv).incident(target)["currentIncidentStateId"] == resolved
    entries = api.post("/incident-state-timeline/get-list", json={
        "query": {"incidentId": target}, "sort": {"startsAt": "ASC"},
        "select": {"incidentStateId": True, "endsAt": True}}).json()["data"]
    assert [e["incidentStateId"] for e in entries][-2:] == [ack, resolved]
    assert entries[-1]["endsAt"] is None and entries[-2]["endsAt"] is not None


def test_delete_and_aliases(serve: Serve) -> None:
    srv = serve("oneuptime", sample=4)
    api = client(srv)
    a, b, c, _ = ids(api.post("/incident/get-list"))
    ou(srv).add_note(a, "note on a")
    assert api.delete(f"/incident/{a}").json() == {}
    assert api.post(f"/incident/{b}/delete-item").json() == {}
    assert api.get(f"/incident/{c}/delete-item").json() == {}
    assert api.delete(f"/incident/{MISSING}").json() == {}
    assert api.delete("/incident/nope").status_code == 400
    assert api.post("/incident/count").json() == {"count": 1}
    notes = api.post("/incident-internal-note/get-list", json={"query": {"incidentId": a}})
    assert notes.json()["count"] == 0


def test_states_severities_and_investigating_option(serve: Serve) -> None:
    plain = serve("oneuptime")
    states = client(plain).post("/incident-state/get-list", json={
        "sort": {"order": "ASC"}, "select": {"name": True, "order": True, "isCreatedState": True,
                                             "isAcknowledgedState": True,
                                             "isResolvedState": True}}).json()["data"]
    assert [(s["name"], s["order"]) for s in states] == [
        ("Identified", 1), ("Acknowledged", 2), ("Resolved", 3)]
    assert [s["isCreatedState"] for s in states] == [True, False, False]
    assert [s["isResolvedState"] for s in states] == [False, False, True]
    severities = client(plain).post("/incident-severity/get-list", json={
        "sort": {"order": "ASC"}, "select": {"name": True, "order": True}}).json()["data"]
    assert [s["name"] for s in severities] == ["Critical Incident", "Major Incident",
                                               "Minor Incident"]
    custom = serve("oneuptime", sample=60, investigating_state=True)
    names = [s["name"] for s in client(custom).post("/incident-state/get-list", json={
        "sort": {"order": "ASC"}, "select": {"name": True}}).json()["data"]]
    assert names == ["Identified", "Acknowledged", "Investigating", "Resolved"]
    investigating = ou(custom).state_id("Investigating")
    used = client(custom).post("/incident/count", json={
        "query": {"currentIncidentStateId": investigating}}).json()["count"]
    assert used > 0


def test_notes_timeline_and_sample_extras(serve: Serve) -> None:
    srv = serve("oneuptime", sample=40)
    api = client(srv)
    assert api.post("/incident-internal-note/get-list").json()["count"] > 0
    assert api.post("/incident-public-note/get-list").json()["count"] > 0
    assert api.post("/label/get-list").json()["count"] > 0
    assert api.post("/monitor/get-list").json()["count"] > 0
    assert api.post("/incident/count", json={"query": {"rootCause": {"_type": "NotNull"}}}
                    ).json()["count"] > 0
    target = ids(api.post("/incident/get-list"))[0]
    made = api.post("/incident-public-note", json={"data": {
        "incidentId": target, "note": "Status update", "projectId": PROJECT_ID}})
    assert made.status_code == 200 and made.json()["postedAt"] == "2026-11-22T12:00:00.000Z"
    listed = api.post("/incident-public-note/get-list", json={
        "query": {"incidentId": target}, "select": {"note": True}}).json()["data"]
    assert "Status update" in [n["note"] for n in listed]
    assert api.post("/incident-internal-note", json={"data": {
        "incidentId": MISSING, "note": "x"}}).status_code == 400
    resolved = ou(srv).state_id("Resolved")
    moved = api.post("/incident-state-timeline", json={"data": {
        "incidentId": target, "incidentStateId": resolved, "projectId": PROJECT_ID}})
    assert moved.status_code == 200
    assert ou(srv).incident(target)["currentIncidentStateId"] == resolved


def test_typed_values_and_errors(serve: Serve) -> None:
    srv = serve("oneuptime", sample=3, typed_values=True)
    api = client(srv)
    row = api.post("/incident/get-list?limit=1", json={"select": {
        "projectId": True, "createdAt": True, "title": True,
        "currentIncidentState": {"projectId": True}}}).json()["data"][0]
    assert isinstance(row["_id"], str)
    assert row["projectId"] == {"_type": "ObjectID", "value": PROJECT_ID}
    assert row["createdAt"]["_type"] == "DateTime" and row["createdAt"]["value"].endswith("Z")
    assert row["currentIncidentState"]["projectId"]["_type"] == "ObjectID"
    garbage = api.post("/incident/get-list", content=b"{nope", headers={
        "Content-Type": "application/json"})
    assert garbage.status_code == 400 and "error" in garbage.json()
    unknown = api.post("/nothing-here")
    assert unknown.status_code == 404 and "error" in unknown.json()


def test_rate_limit_is_per_project_and_per_second(serve: Serve) -> None:
    now = [100.0]
    srv = serve("oneuptime", sample=2, rate_limit=3, monotonic=lambda: now[0])
    api = client(srv)
    assert [api.post("/incident/count").status_code for _ in range(3)] == [200, 200, 200]
    limited = api.post("/incident/count")
    assert limited.status_code == 429 and "error" in limited.json()
    assert client(srv, OTHER_API_KEY).post("/incident/count").status_code == 200
    now[0] += 1
    assert api.post("/incident/count").status_code == 200
    off = serve("oneuptime", sample=1)
    assert all(client(off).post("/incident/count").status_code == 200 for _ in range(20))


@pytest.mark.parametrize("path", ["/incident", "/incident-internal-note"])
def test_helpers_and_clock(serve: Serve, path: str) -> None:
    srv = serve("oneuptime")
    row = ou(srv).add("Helper made")
    assert row["createdAt"] >= FIXED_NOW and row["incidentNumberWithPrefix"] == "INC-1"
    first = ou(srv).touch(row["_id"])["updatedAt"]
    assert ou(srv).touch(row["_id"])["updatedAt"] > first  # strictly increasing stamps
    config = ou(srv).remote_config("ou")
    assert config["base_url"] == srv.url and config["token"] == API_KEY
    assert client(srv).post(f"{path}/get-list").status_code == 200


def test_precise_stamps_sort_on_microseconds_and_send_milliseconds(serve: Serve) -> None:
    srv = serve("oneuptime", precise_stamps=True)  # the clock stands still
    api = client(srv)
    made = [ou(srv).add(f"Same millisecond {n}") for n in range(6)]
    stamps = [row["updatedAt"] for row in made]
    assert stamps == sorted(stamps) and len(set(stamps)) == 6
    assert stamps[-1] - stamps[0] == timedelta(microseconds=5)
    answer = api.post("/incident/get-list", json={
        "select": {"updatedAt": True, "declaredAt": True},
        "sort": {"updatedAt": "ASC", "_id": "ASC"}}).json()["data"]
    # Sent as milliseconds, all alike, yet ordered by the hidden microseconds, not by _id.
    assert {(row["updatedAt"], row["declaredAt"]) for row in answer} == {(iso(FIXED_NOW),) * 2}
    assert [row["_id"] for row in answer] == [row["_id"] for row in made] != sorted(
        row["_id"] for row in made)
    # The millisecond sent back compares as its first microsecond, as in Postgres.
    at = iso(FIXED_NOW)
    for op, expected in (("GreaterThanOrEqual", 6), ("GreaterThan", 5), ("EqualTo", 1),
                         ("LessThanOrEqual", 1)):
        counted = api.post("/incident/count", json={
            "query": {"updatedAt": {"_type": op, "value": at}}}).json()
        assert counted == {"count": expected}, op
    plain = serve("oneuptime")
    first, second = ou(plain).add("One")["updatedAt"], ou(plain).add("Two")["updatedAt"]
    assert second - first == timedelta(milliseconds=1)  # the default keeps milliseconds


FILE_SELECT = {"name": True, "fileType": True, "file": True}


def test_files_on_incidents_and_notes_in_the_sample(serve: Serve) -> None:
    srv = serve("oneuptime", sample=60)
    api = client(srv)
    incidents = api.post("/incident/get-list?limit=100", json={"select": {
        "rootCause": True, "postmortemAttachments": FILE_SELECT}}).json()["data"]
    held = [i for i in incidents if i["postmortemAttachments"]]
    assert len(held) == 3 and all(i["rootCause"] for i in held)  # resolved ones
    files = [f for i in held for f in i["postmortemAttachments"]]
    assert any(len(i["postmortemAttachments"]) == 2 for i in held)
    # The File columns a client needs, never the bytes (served by the attachment route).
    assert all(set(f) == {"_id", "name", "fileType"} for f in files)
    assert {f["fileType"] for f in files} == {"text/markdown", "image/png"}
    for path in ("/incident-internal-note", "/incident-public-note"):
        notes = api.post(f"{path}/get-list?limit=100", json={"select": {
            "attachments": {"name": True, "fileType": True}}}).json()["data"]
        with_files = [n for n in notes if n["attachments"]]
        assert 1 <= len(with_files) <= 3
    only_id = api.post("/incident/get-list?limit=100", json={"select": {
        "postmortemAttachments": True}}).json()["data"]
    assert {f["_id"] for i in only_id for f in i["postmortemAttachments"]} == {
        f["_id"] for f in files}
    assert all(set(f) == {"_id"} for i in only_id for f in i["postmortemAttachments"])
    assert api.post("/file/get-list").status_code == 404  # the File API is not served


def test_postmortem_attachment_route(serve: Serve) -> None:
    srv = serve("oneuptime", typed_values=True)
    emulator = ou(srv)
    row = emulator.add("Post-mortem")
    before = row["updatedAt"]
    report = emulator.attach_file(row["_id"], "report.pdf", b"%PDF-1.4 x", "application/pdf")
    assert row["updatedAt"] > before and row["postmortemAttachments"] == [report["_id"]]
    note = emulator.add_note(row["_id"], "with a file")
    logged = emulator.attach_file(note["_id"], "error.log", b"boom", "text/plain")
    api = client(srv)
    got = api.post(f"/incident/{row['_id']}/get-item", json={"select": {
        "postmortemAttachments": {"name": True, "fileType": True, "projectId": True}}}).json()
    assert got["postmortemAttachments"] == [{
        "_id": report["_id"], "name": "report.pdf", "fileType": "application/pdf",
        "projectId": {"_type": "ObjectID", "value": PROJECT_ID}}]
    notes = api.post("/incident-internal-note/get-list", json={
        "query": {"incidentId": row["_id"]}, "select": {"attachments": {"name": True}}}
    ).json()["data"]
    assert notes == [{"_id": note["_id"], "attachments": [
        {"_id": logged["_id"], "name": "error.log"}]}]

    def route(file_id: str, incident_id: str = row["_id"], project: str = PROJECT_ID) -> str:
        return f"/incident/postmortem/attachment/{project}/{incident_id}/{file_id}"

    served = api.get(route(report["_id"]))
    assert served.status_code == 200 and served.content == b"%PDF-1.4 x"
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["Cache-Control"] == "no-store, no-cache, must-revalidate"
    assert api.get(route(report["_id"].upper())).content == b"%PDF-1.4 x"
    for missing in (route(logged["_id"]), route(MISSING), route("nope"),
                    route(report["_id"], MISSING), route(report["_id"], project=OTHER_PROJECT_ID),
                    route(report["_id"], project="x")):
        answer = api.get(missing)
        assert answer.status_code == 404, missing
        assert answer.json() == {"error": "Attachment not found"}
    other = client(srv, OTHER_API_KEY).get(route(report["_id"], project=OTHER_PROJECT_ID))
    assert other.status_code == 404  # another project's key sees no such incident
    assert client(srv, READ_ONLY_API_KEY).get(route(report["_id"])).status_code == 200
    assert client(srv, NO_PERMISSION_API_KEY).get(route(report["_id"])).status_code == 422
    assert client(srv, None).get(route(report["_id"])).status_code == 401
    assert client(srv, MISSING).get(route(report["_id"])).status_code == 400
    assert api.post(route(report["_id"])).status_code == 405
    # A file can also be attached by the update call, when it belongs to the project.
    plain = emulator.add("Second")
    moved = api.put(f"/incident/{plain['_id']}", json={"data": {
        "postmortemAttachments": [{"_id": report["_id"]}]}})
    assert moved.status_code == 200
    assert api.get(route(report["_id"], plain["_id"])).content == b"%PDF-1.4 x"
