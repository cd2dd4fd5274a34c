"""The Kitehouse emulator speaks contracts/kitehouse.md: auth, Fastify errors, paging, shapes."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.emulators.kitehouse import ADMIN_TOKEN, DEFAULT_SITE_ID, DEFAULT_TOKEN
from incident_tui.emulators.kitehouse_data import CATEGORIES, PRIORITIES, SOURCES, STUDENTS
from tests.integration.conftest import FIXED_NOW

pytestmark = pytest.mark.integration

SITE = f"/incidents/{DEFAULT_SITE_ID}"
FASTIFY_KEYS = {"statusCode", "error", "message"}
CATEGORY, SOURCE, PRIORITY = next(iter(CATEGORIES)), next(iter(SOURCES)), next(iter(PRIORITIES))


def _server() -> EmulatorServer:
    return EmulatorServer(make_emulator("kitehouse", sample=45, clock=lambda: FIXED_NOW)).start()


@pytest.fixture(scope="module")
def srv() -> Iterator[EmulatorServer]:
    """A server no test changes (stopping one costs half a second, so they are shared)."""
    server = _server()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rw() -> Iterator[EmulatorServer]:
    """A server the writing tests share; each works on incidents it adds itself."""
    server = _server()
    yield server
    server.stop()


def _client(server: EmulatorServer) -> httpx.Client:
    headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    return httpx.Client(base_url=server.url, headers=headers, timeout=5)


@pytest.fixture
def api(srv: EmulatorServer) -> Iterator[httpx.Client]:
    with _client(srv) as client:
        yield client


@pytest.fixture
def wapi(rw: EmulatorServer) -> Iterator[httpx.Client]:
    with _client(rw) as client:
        yield client


def fresh(server: EmulatorServer, **options: Any) -> str:
    """A new incident on ``server`` for one test to change."""
    emulator: Any = server.emulator
    return str(emulator.add("Smoke in the boiler room", description="Seen at 09:10",
                            **options)["_id"])


def put_body(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The §5.1 body rebuilt from a GET, as a careful client would."""
    body = {
        "attachments": [a["object_id"] for a in doc["attachments"]],
        "category": doc["category"]["_id"], "source": doc["source"]["_id"],
        "priority": (doc.get("priority") or {}).get("_id", PRIORITY),
        "people_involved": [p["_id"] for p in doc["people_involved"]],
        "staff": [p["_id"] for p in doc["staff"]],
        "short_description": doc["short_description"], "status": doc["status"],
    }
    if "description" in doc:
        body["description"] = doc["description"]
    return body | changes


def test_auth_is_bearer_and_failures_are_fastify_shaped(srv: EmulatorServer) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": DEFAULT_TOKEN}):
        response = httpx.get(srv.url + SITE, headers=headers)
        assert response.status_code == 401
        assert set(response.json()) == FASTIFY_KEYS and response.json()["statusCode"] == 401
    ok = httpx.get(srv.url + SITE, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
    assert ok.status_code == 200
    other = httpx.get(srv.url + "/incidents/someone-else",
                      headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
    assert other.status_code == 403 and other.json()["error"] == "Forbidden"


def test_reindex_is_admin_only(api: httpx.Client) -> None:
    assert api.get("/incidents/reindex").status_code == 403
    admin = api.get("/incidents/reindex", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert admin.json() == {"success": True, "message": "Reindexed 45 incidents"}


def test_list_pages_are_bare_arrays_1_based_default_20_capped_at_100(
    api: httpx.Client, rw: EmulatorServer, wapi: httpx.Client
) -> None:
    first = api.get(SITE).json()
    assert isinstance(first, list) and len(first) == 20
    second = api.get(SITE, params={"page": 2}).json()
    third = api.get(SITE, params={"page": 3}).json()
    assert len(third) == 5
    ids = [r["_id"] for r in first + second + third]
    assert len(set(ids)) == 45
    assert api.get(SITE, params={"page": 0}).json() == first  # page 0 reads as page 1
    created = [r["created_at"] for r in first]
    assert created == sorted(created, reverse=True)  # default -created_at
    assert len(api.get(SITE, params={"limit": 30}).json()) == 30
    for _ in range(60):
        fresh(rw)
    assert len(wapi.get(SITE, params={"limit": 500}).json()) == 100


def test_list_sort_and_query_validation(api: httpx.Client) -> None:
    rows = api.get(SITE, params={"sortBy": "urn", "limit": 100}).json()
    assert [r["urn"] for r in rows] == sorted(r["urn"] for r in rows)
    rows = api.get(SITE, params={"sortBy": "-updated_at", "limit": 100}).json()
    stamps = [r["updated_at"] for r in rows]
    assert stamps == sorted(stamps, reverse=True)
    bad = api.get(SITE, params={"sortBy": "title"})
    assert bad.status_code == 400 and bad.json()["error"] == "Bad Request"
    assert api.get(SITE, params={"page": "two"}).json()["message"] == (
        "querystring/page must be number")


def test_summary_rows_have_the_4_1_shape(api: httpx.Client) -> None:
    for row in api.get(SITE, params={"limit": 100}).json():
        assert {"_id", "urn", "status", "category", "source", "short_description",
                "people_involved", "staff", "raised_by", "created_at", "updated_at",
                "retrospective_raised_at"} <= set(row)
        assert "description" not in row and "comments" not in row
        assert set(row["category"]) == {"_id", "name", "colour"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", row["created_at"])
        assert isinstance(row.get("assigned_to", {}), dict)
    statuses = {r["status"] for r in api.get(SITE, params={"limit": 100}).json()}
    assert statuses == {"open", "in_progress", "closed"}


def test_search_filters_and_counts(api: httpx.Client, srv: EmulatorServer) -> None:
    rows = api.get(f"{SITE}/search", params={"status": "closed", "limit": 100}).json()
    assert rows and {r["status"] for r in rows} == {"closed"}
    assert all({"attachments_length", "user_comments_count"} <= set(r) for r in rows)
    assert all("sla_resolved_at" in r for r in rows)
    some = srv.emulator.incidents[rows[0]["_id"]]  # type: ignore[attr-defined]
    found = api.get(f"{SITE}/search", params={"search": some.short_description.upper()}).json()
    assert some.id in {r["_id"] for r in found}
    start = (FIXED_NOW - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = api.get(f"{SITE}/search", params={"startDate": start, "limit": 100}).json()
    assert recent and all(r["created_at"] >= start[:19] for r in recent)
    assert len(recent) < 45
    counted = [r for r in api.get(f"{SITE}/search", params={"limit": 100}).json()
               if r["user_comments_count"]]
    assert counted
    assert api.get(f"{SITE}/search", params={"startDate": "soon"}).status_code == 400


def test_stale_lists_open_incidents_untouched_for_stale_hours(
    srv: EmulatorServer, api: httpx.Client
) -> None:
    emulator: Any = srv.emulator
    default = api.get(f"{SITE}/stale").json()
    emulator.stale_hours = 48
    try:
        rows = api.get(f"{SITE}/stale").json()
    finally:
        emulator.stale_hours = 24.0
    cutoff = (FIXED_NOW - timedelta(hours=48)).strftime("%Y-%m-%dT%H:%M:%S")
    assert rows and all(r["status"] != "closed" and r["updated_at"] < cutoff for r in rows)
    expected = [r for r in emulator.incidents.values()
                if r.status != "closed" and r.updated_at < FIXED_NOW - timedelta(hours=48)]
    assert len(rows) == len(expected) < len(default)
    assert all("attachments_length" in r for r in rows)


def test_get_has_the_full_4_3_shape_and_404_is_fastify(api: httpx.Client) -> None:
    rows = api.get(SITE, params={"limit": 100}).json()
    docs = [api.get(f"{SITE}/{row['_id']}").json() for row in rows[:12]]
    for doc in docs:
        assert {"comments", "attachments", "chargeable", "report_contains_welfare_flag",
                "people_involved", "staff", "raised_by"} <= set(doc)
        assert isinstance(doc["assigned_to"], list)
        for person in doc["people_involved"]:
            assert {"_id", "first_name", "last_name", "type", "record_name"} <= set(person)
    assert any(doc.get("custom_fields") for doc in docs)
    assert any(doc["comments"] for doc in docs)
    missing = api.get(f"{SITE}/ffffffffffffffffffffffff")
    assert missing.status_code == 404 and set(missing.json()) == FASTIFY_KEYS


def test_sample_has_hostile_attachment_names(srv: EmulatorServer, api: httpx.Client) -> None:
    names = {a["name"] for r in srv.emulator.incidents.values()  # type: ignore[attr-defined]
             for a in r.attachments}
    assert {"../../.bashrc", "/etc/passwd", "con.txt", "report\x00.pdf.exe"} <= names
    holder = next(r for r in srv.emulator.incidents.values()  # type: ignore[attr-defined]
                  if r.attachments)
    doc = api.get(f"{SITE}/{holder.id}").json()
    blob = httpx.get(doc["attachments"][0]["raw_url"])  # no auth, like S3
    assert blob.status_code == 200 and b"sample attachment" in blob.content


def test_create_needs_site_category_source_and_answers_ids_only(wapi: httpx.Client) -> None:
    api = wapi
    missing = api.post("/incidents", json={"site": DEFAULT_SITE_ID, "source": SOURCE})
    assert missing.status_code == 400
    assert missing.json()["message"] == "body must have required property 'category'"
    assert api.post("/incidents", json={"site": DEFAULT_SITE_ID, "category": "x",
                                        "source": SOURCE}).status_code == 400
    student = next(iter(STUDENTS))
    created = api.post("/incidents", json={"site": DEFAULT_SITE_ID, "category": CATEGORY,
                                           "source": SOURCE, "people_involved": [student]})
    assert created.status_code == 200
    body = created.json()
    assert {"_id", "urn", "site", "category", "source", "priority", "raised_by", "status",
            "staff", "attachments", "short_description"} <= set(body)
    assert "created_at" not in body and "updated_at" not in body
    assert body["category"] == CATEGORY and body["people_involved"] == [student]
    assert body["short_description"] == "" and body["urn"] > 1045
    assert api.get(f"{SITE}/{body['_id']}").json()["created_at"]


def test_unn_upload_is_501(api: httpx.Client) -> None:
    response = api.post(f"{SITE}/upload", content=b"report")
    assert response.status_code == 501 and response.json()["statusCode"] == 501


def test_put_is_full_replacement_with_validation(
    rw: EmulatorServer, wapi: httpx.Client
) -> None:
    api = wapi
    doc = api.get(f"{SITE}/{fresh(rw)}").json()
    body = put_body(doc)
    del body["staff"]
    bad = api.put(f"{SITE}/{doc['_id']}", json=body)
    assert bad.status_code == 400
    assert bad.json()["message"] == "body must have required property 'staff'"
    assert api.put(f"{SITE}/{doc['_id']}", json=put_body(doc, attachments=["nope"])
                   ).status_code == 400
    body = put_body(doc, short_description="Renamed")
    body.pop("description", None)
    assert api.put(f"{SITE}/{doc['_id']}", json=body).json() == {"success": True}
    after = api.get(f"{SITE}/{doc['_id']}").json()
    assert after["short_description"] == "Renamed" and "description" not in after
    assert after["category"]["_id"] == doc["category"]["_id"]  # written as _id, read as object
    assert after["updated_at"] >= doc["updated_at"]
    assert api.put(f"{SITE}/{doc['_id']}", json=put_body(after, priority="x")).status_code == 400
    assert api.put(f"{SITE}/{doc['_id']}", json=put_body(after, staff="x")).status_code == 400


def test_status_moves_stamp_sla_times(rw: EmulatorServer, wapi: httpx.Client) -> None:
    api = wapi
    url = f"{SITE}/{fresh(rw)}"
    assert "sla_first_response_at" not in api.get(url).json()
    api.put(url, json=put_body(api.get(url).json(), status="in_progress"))
    acked = api.get(url).json()
    assert acked["sla_first_response_at"] and "sla_resolved_at" not in acked
    api.put(url, json=put_body(acked, status="closed"))
    closed = api.get(url).json()
    assert closed["sla_resolved_at"]
    assert closed["sla_first_response_at"] == acked["sla_first_response_at"]
    api.put(url, json=put_body(closed, status="open"))
    assert "sla_resolved_at" not in api.get(url).json()


def test_delete(rw: EmulatorServer, wapi: httpx.Client) -> None:
    api, row = wapi, {"_id": fresh(rw)}
    assert api.delete(f"{SITE}/{row['_id']}").json() == {"success": True}
    assert api.get(f"{SITE}/{row['_id']}").status_code == 404
    assert api.delete(f"{SITE}/{row['_id']}").status_code == 404


def test_dashboard_needs_start_date(api: httpx.Client) -> None:
    missing = api.get(f"{SITE}/dashboard")
    assert missing.status_code == 400
    assert missing.json()["message"] == "querystring must have required property 'startDate'"
    data = api.get(f"{SITE}/dashboard", params={"startDate": "2026-11-15"}).json()
    assert set(data) == {"incidents", "totalCount"} and data["totalCount"] == len(data["incidents"])
    assert 0 < data["totalCount"] < 45
    first = data["incidents"][0]
    assert {"_id", "created_at", "category", "raised_by", "people_involved", "status"} <= set(first)
    one_category = api.get(f"{SITE}/dashboard", params={
        "startDate": "2026-01-01", "categoryId": first["category"]["_id"]}).json()
    assert {i["category"]["_id"] for i in one_category["incidents"]} == {first["category"]["_id"]}


def test_export_csv_uses_the_search_filters(api: httpx.Client) -> None:
    response = api.get(f"{SITE}/export-csv", params={"status": "closed"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["URN", "Created", "Updated", "Status"]
    closed = len(api.get(f"{SITE}/search", params={"status": "closed", "limit": 100}).json())
    assert len(rows) - 1 == closed and {r[3] for r in rows[1:]} == {"closed"}


def test_export_pdf_is_a_valid_pdf(api: httpx.Client) -> None:
    row = api.get(SITE).json()[0]
    response = api.get(f"{SITE}/{row['_id']}/export", params={"withAttachments": "true"})
    assert response.headers["content-type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    start = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    assert data[start:start + 4] == b"xref"
    entries = re.findall(rb"(\d{10}) 00000 n", data[start:])
    assert entries and all(
        re.match(rb"\d+ 0 obj", data[int(offset):]) for offset in entries)
    bad = api.get(f"{SITE}/{row['_id']}/export", params={"withAttachments": "maybe"})
    assert bad.status_code == 400


def test_handover_is_sse_with_text_events_then_end(api: httpx.Client) -> None:
    with api.stream("GET", f"{SITE}/handover", params={"hours": 24}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = response.read().decode()
    events = [e for e in raw.split("\n\n") if e]
    assert events[-1].startswith("event: end")
    texts = [json.loads(e.removeprefix("data: "))["text"] for e in events[:-1]]
    body = "".join(texts)
    assert body.startswith("Subject: Handover - last 24 hours")
    assert "Needs attention" in body and "Resolved" in body
    assert api.get(f"{SITE}/handover", params={"hours": "x"}).status_code == 400


def test_inventory_and_sync_mark_the_incident(rw: EmulatorServer, wapi: httpx.Client) -> None:
    api, row = wapi, {"_id": fresh(rw)}
    assert api.post(f"{SITE}/{row['_id']}/inventory").json()["success"] is True
    assert api.post(f"{SITE}/{row['_id']}/sync").json()["success"] is True
    doc = api.get(f"{SITE}/{row['_id']}").json()
    assert doc["inventory_status"] == "prepared"
    assert doc["incident_tracker_sync_status"] == "synced"
    assert doc["incident_tracker_reference"] == f"IT-{doc['urn']}"


def test_comments_add_and_delete(rw: EmulatorServer, wapi: httpx.Client) -> None:
    api, row = wapi, {"_id": fresh(rw)}
    url = f"{SITE}/{row['_id']}/comments"
    assert api.post(url, json={}).json()["message"] == (
        "body must have required property 'message'")
    assert api.post(url, json={"message": " "}).status_code == 400
    comment = api.post(url, json={"message": "On my way"}).json()
    assert set(comment) == {"_id", "incident", "message", "author", "created_at", "updated_at"}
    assert comment["author"]["first_name"] == "Duty" and comment["incident"] == row["_id"]
    doc = api.get(f"{SITE}/{row['_id']}").json()
    assert doc["comments"][-1]["_id"] == comment["_id"]
    assert api.delete(f"{url}/{comment['_id']}").json() == {"success": True}
    assert api.delete(f"{url}/{comment['_id']}").status_code == 404
    assert all(c["_id"] != comment["_id"]
               for c in api.get(f"{SITE}/{row['_id']}").json()["comments"])


def test_presigned_attachment_flow(rw: EmulatorServer, wapi: httpx.Client) -> None:
    api, srv, row = wapi, rw, {"_id": fresh(rw)}
    base = f"{SITE}/{row['_id']}/attachments"
    grant = api.post(base, json={"content_type": "image/png", "file_name": "a.png"}).json()
    assert set(grant) == {"url", "object_id"}
    oid = grant["object_id"]
    unsent = api.put(base, json={"object_id": oid, "content_type": "image/png",
                                 "file_name": "a.png"})
    assert unsent.status_code == 400
    wrong_type = httpx.put(grant["url"], content=b"png!", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 403 and b"SignatureDoesNotMatch" in wrong_type.content
    assert httpx.put(grant["url"], content=b"png!",
                     headers={"Content-Type": "image/png"}).status_code == 200
    registered = api.put(base, json={"object_id": oid, "content_type": "image/png",
                                     "file_name": "a.png", "evidence_type": "photo"}).json()
    assert registered["uploaded"] is True and registered["object_id"] == oid
    assert {"name", "raw_url", "source_uri", "file_type"} <= set(registered)
    doc = api.get(f"{SITE}/{row['_id']}").json()
    assert [a["object_id"] for a in doc["attachments"]][-1] == oid
    link = api.get(f"{base}/download", params={"objectId": oid}).json()
    assert httpx.get(link["url"]).content == b"png!"
    assert srv.emulator.audit[-1]["object_id"] == oid  # type: ignore[attr-defined]
    assert api.get(f"{base}/download").status_code == 400
    assert api.delete(base, params={"objectId": oid}).json() == {"success": True}
    assert httpx.get(link["url"]).status_code == 404
    assert api.get(f"{base}/download", params={"objectId": oid}).status_code == 404


def test_download_can_redirect(rw: EmulatorServer, wapi: httpx.Client) -> None:
    emulator: Any = rw.emulator
    holder = next(r for r in emulator.incidents.values() if r.attachments)
    oid = holder.attachments[0]["object_id"]
    emulator.download_redirect = True
    try:
        response = wapi.get(f"{SITE}/{holder.id}/attachments/download", params={"objectId": oid})
    finally:
        emulator.download_redirect = False
    assert response.status_code == 302 and response.headers["location"].endswith(oid)


def test_sample_data_is_deterministic() -> None:
    first: Any = make_emulator("kitehouse", sample=20, clock=lambda: FIXED_NOW)
    second: Any = make_emulator("kitehouse", sample=20, clock=lambda: FIXED_NOW)
    assert list(first.incidents) == list(second.incidents)
    priorities = {r.priority for r in first.incidents.values()}
    assert len(priorities) >= 4
