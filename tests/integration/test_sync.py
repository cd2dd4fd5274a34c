"""The sync engine against the emulators over HTTP: offline queueing, isolation, conflicts,
Retry-After, refused changes, no duplicate creates after kill -9, incremental cost."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx

from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.domain.model import Draft
from incident_tui.domain.query import ListQuery
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.sync import outbox_answers
from incident_tui.sync.engine import SyncEngine
from incident_tui.sync.events import Unsent
from tests.conftest import dead_port
from tests.integration.conftest import FIXED_NOW, Serve, no_sleep

REPO = str(Path(__file__).resolve().parents[2])


def settings_for(tmp_path: Path, *remotes: dict[str, Any], **extra: Any) -> Settings:
    """Settings with the given remote configs and a cache in tmp_path."""
    return Settings(db=tmp_path / "cache.db", remotes=list(remotes), **extra)  # type: ignore[arg-type]



async def sync(settings: Settings, **options: Any) -> Any:
    engine = SyncEngine(settings, sleep=options.pop("sleep", no_sleep), **options)
    try:
        return await engine.sync()
    finally:
        await engine.aclose()


async def synced_revily(
    serve: Serve, tmp_path: Path, *titles: str
) -> tuple[Any, Settings, list[dict[str, Any]], list[str]]:
    """A Revily emulator holding incidents with these titles, already synced into a cache:
    the emulator, the settings, the incidents as the emulator has them and their local ids."""
    revily = serve("revily", sample=0)
    incidents = [revily.emulator.add(title) for title in titles]
    settings = settings_for(tmp_path, revily.emulator.remote_config("oncall"))
    assert (await sync(settings)).ok
    return revily.emulator, settings, incidents, [f"oncall:{i['id']}" for i in incidents]


async def test_first_sync_pulls_everything_and_second_costs_one_request(
    serve: Serve, tmp_path: Path
) -> None:
    revily = serve("revily", sample=40)
    aoh = serve("aoh_ims", sample=25)
    settings = settings_for(
        tmp_path, revily.emulator.remote_config("oncall"), aoh.emulator.remote_config("ops")
    )
    report = await sync(settings)
    assert report.ok, [r.error for r in report.results]
    reader = Reader.open(settings.db_path())
    assert reader.count(ListQuery(remotes=frozenset({"oncall"}))) == 40
    assert reader.count(ListQuery(remotes=frozenset({"ops"}))) == 25
    assert {r.state for r in reader.remotes()} == {"ok"}
    revily.emulator.log.clear()
    aoh.emulator.log.clear()
    report = await sync(settings, db_path=settings.db_path())
    assert report.ok
    assert [r.path for r in revily.emulator.log] == ["/incidents"]
    assert [r.path for r in aoh.emulator.log] == ["/v1/incident"]


async def test_offline_queue_then_reconnect(serve: Serve, tmp_path: Path) -> None:
    aoh = serve("aoh_ims", sample=5)
    online = aoh.emulator.remote_config("ops")
    settings = settings_for(tmp_path, online)
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    target = reader.page(ListQuery(remotes=frozenset({"ops"})), 0, 1)[0]
    actions = Actions.open(settings.db_path(), clock=lambda: FIXED_NOW)
    actions.comment(target.id, "written on the train")
    actions.create("ops", "aoh_ims", Draft("Made offline", "no network", None))
    offline = settings_for(tmp_path, {**online, "base_url": f"http://127.0.0.1:{dead_port()}"})
    report = await sync(offline)
    assert not report.ok and report.results[0].offline
    assert reader.queue_counts()[0] == 2
    assert [r.state for r in reader.remotes()] == ["offline"]
    report = await sync(settings)
    assert report.ok and report.results[0].pushed == 2
    assert reader.queue_counts()[0] == 0
    names = [row["name"] for t in aoh.emulator.tenants.values() for row in t.incidents.values()]
    assert names.count("Made offline") == 1
    detail = reader.detail(target.id)
    assert detail is not None
    assert [c["pending"] for c in detail.comments if c["body"] == "written on the train"] == [0]


async def test_one_remote_down_does_not_stall_the_others(serve: Serve, tmp_path: Path) -> None:
    revily = serve("revily", sample=10)
    broken = serve("aoh_ims", sample=3)
    broken.emulator.faults.add("status", status=500, times=-1)
    settings = settings_for(
        tmp_path,
        revily.emulator.remote_config("oncall"),
        broken.emulator.remote_config("ops"),
        {
            "kind": "revily",
            "name": "gone",
            "base_url": f"http://127.0.0.1:{dead_port()}",
            "token": "x",
        },
    )
    report = await sync(settings)
    by_name = {r.remote: r for r in report.results}
    assert by_name["oncall"].ok and by_name["oncall"].pulled == 10
    assert not by_name["ops"].ok and "HTTP 500" in str(by_name["ops"].error)
    assert not by_name["gone"].ok and by_name["gone"].offline
    states = {r.name: r.state for r in Reader.open(settings.db_path()).remotes()}
    assert states == {"oncall": "ok", "ops": "failing", "gone": "offline"}


async def test_retry_after_is_honoured(serve: Serve, tmp_path: Path) -> None:
    aoh = serve("aoh_ims", sample=3)
    aoh.emulator.faults.add("status", status=429, retry_after="3", path="^/v1/incident$")
    settings = settings_for(tmp_path, aoh.emulator.remote_config("ops"))
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    report = await sync(settings, sleep=record)
    assert report.ok
    assert waits == [3.0]


async def test_conflict_is_shown_then_keep_mine(serve: Serve, tmp_path: Path) -> None:
    aoh = serve("aoh_ims", sample=0)
    row = aoh.emulator.add(name="Disk full", status="NEW")
    settings = settings_for(tmp_path, aoh.emulator.remote_config("ops"))
    assert (await sync(settings)).ok
    incident_id = f"ops:{row['id']}"
    Actions.open(settings.db_path()).acknowledge([incident_id])
    aoh.emulator.touch(row["id"], status="RESOLVED")  # someone else resolved it meanwhile
    report = await sync(settings)
    assert report.results[0].conflicts == 1
    # The TUI's notice names the contested change and its incident.
    assert report.results[0].unsent == [
        Unsent(incident_id, "acknowledge", report.results[0].unsent[0].reason, contested=True)
    ]
    assert "status" in report.results[0].unsent[0].reason
    reader = Reader.open(settings.db_path())
    detail = reader.detail(incident_id)
    assert detail is not None
    conflict = detail.incident["conflict"]
    assert conflict["fields"] == ["status"]
    assert conflict["ours"] == {"status": "acknowledged"}
    assert conflict["theirs"]["status"] == "resolved"
    assert aoh.emulator.row(row["id"])["status"] == "RESOLVED"  # nothing overwritten silently
    outbox_answers.keep_mine(SyncEngine(settings).engine, incident_id)
    assert (await sync(settings)).ok
    assert aoh.emulator.row(row["id"])["status"] == "OPEN"
    assert reader.queue_counts()[0] == 0


async def test_a_lock_that_moved_while_writing_is_read_again_and_retried(
    serve: Serve, tmp_path: Path
) -> None:
    aoh = serve("aoh_ims", sample=0)
    row = aoh.emulator.add(name="Disk full", status="NEW")
    settings = settings_for(tmp_path, aoh.emulator.remote_config("ops"))
    assert (await sync(settings)).ok
    incident_id = f"ops:{row['id']}"
    actions = Actions.open(settings.db_path())
    actions.acknowledge([incident_id])
    # Someone wrote between our read and our write: the PUT's occ_lock is stale once.
    stale = {"message": "occ_lock mismatch", "errors": [{"message": "expected occ_lock 2"}],
             "errorCode": "OCC_LOCK_MISMATCH"}
    aoh.emulator.faults.add("status", method="PUT", status=409, body=stale)
    report = await sync(settings)
    assert report.ok and report.results[0].pushed == 1 and report.results[0].conflicts == 0
    assert aoh.emulator.row(row["id"])["status"] == "OPEN"
    # A lock that keeps moving: three retries, then the user decides.
    actions.resolve([incident_id])
    aoh.emulator.faults.add("status", method="PUT", status=409, body=stale, times=-1)
    aoh.emulator.log.clear()
    report = await sync(settings)
    assert report.results[0].conflicts == 1
    assert len([e for e in aoh.emulator.log if e.method == "PUT"]) == 4
    assert aoh.emulator.row(row["id"])["status"] == "OPEN"


async def test_conflict_take_theirs(serve: Serve, tmp_path: Path) -> None:
    aoh = serve("aoh_ims", sample=0)
    row = aoh.emulator.add(name="Old title", status="NEW")
    settings = settings_for(tmp_path, aoh.emulator.remote_config("ops"))
    assert (await sync(settings)).ok
    incident_id = f"ops:{row['id']}"
    Actions.open(settings.db_path()).edit(incident_id, {"title": "Our title"})
    aoh.emulator.touch(row["id"], name="Their title")
    assert (await sync(settings)).results[0].conflicts == 1
    outbox_answers.take_theirs(SyncEngine(settings).engine, incident_id)
    assert (await sync(settings)).ok
    detail = Reader.open(settings.db_path()).detail(incident_id)
    assert detail is not None and detail.incident["title"] == "Their title"
    assert aoh.emulator.row(row["id"])["name"] == "Their title"


async def test_refused_change_is_visible_and_can_be_retried_or_discarded(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [incident], [incident_id] = await synced_revily(
        serve, tmp_path, "Pager storm"
    )
    queued = Actions.open(settings.db_path()).acknowledge([incident_id])[0]
    emulator.faults.add(
        "status",
        status=422,
        path="/acknowledge$",
        body={"errors": {"state": ["is locked by policy"]}},
    )
    report = await sync(settings)
    assert report.ok and report.results[0].failed == 1
    [unsent] = report.results[0].unsent
    assert (unsent.incident_id, unsent.op, unsent.contested) == (
        incident_id, "acknowledge", False
    )
    assert "is locked by policy" in unsent.reason
    reader = Reader.open(settings.db_path())
    assert reader.queue_counts() == (1, 1, 0)
    change = reader.outbox()[0]
    assert change["state"] == "failed" and "is locked by policy" in change["last_error"]
    assert reader.page(ListQuery(), 0, 1)[0].failed
    engine = SyncEngine(settings).engine
    outbox_answers.retry(engine, queued.seq)
    assert reader.queue_counts() == (1, 0, 0)  # queued again: no longer waits for the user
    assert (await sync(settings)).results[0].pushed == 1
    assert emulator.incident(incident["id"])["state"] == "acknowledged"
    queued = Actions.open(settings.db_path()).resolve([incident_id])[0]
    outbox_answers.discard(engine, queued.seq)
    assert (await sync(settings)).ok
    assert emulator.incident(incident["id"])["state"] == "acknowledged"
    assert reader.detail(incident_id).incident["status"] == "acknowledged"  # type: ignore[union-attr]


async def test_changes_queued_one_after_another_are_not_conflicts_with_each_other(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [incident], [incident_id] = await synced_revily(
        serve, tmp_path, "Disk full"
    )
    actions = Actions.open(settings.db_path(), clock=lambda: FIXED_NOW)
    # Offline, a responder acknowledges, then resolves: once the acknowledgement is in, the
    # remote's "acknowledged" is ours, not someone else's change.
    actions.acknowledge([incident_id])
    actions.resolve([incident_id])
    report = await sync(settings)
    assert report.ok and report.results[0].pushed == 2 and report.results[0].conflicts == 0
    assert emulator.incident(incident["id"])["state"] == "resolved"


async def test_a_change_the_server_chokes_on_waits_while_the_rest_syncs(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, (first, second, third), ids = await synced_revily(
        serve, tmp_path, "Disk full", "CPU", "Net"
    )
    actions = Actions.open(settings.db_path(), clock=lambda: FIXED_NOW)
    actions.acknowledge(ids[:2])
    actions.resolve([ids[0]])
    emulator.faults.add(
        "status", status=500, path=f"{first['id']}/acknowledge$", times=-1
    )
    arrived = emulator.add("Arrived meanwhile")
    report = await sync(settings)
    result = report.results[0]
    # The pass fails, naming the change, but everything else went through: the other
    # incident's change and the pull.
    assert not result.ok and not result.offline
    assert f"a change to {ids[0]} stays queued" in str(result.error) and "500" in str(result.error)
    assert result.pushed == 1
    assert emulator.incident(second["id"])["state"] == "acknowledged"
    reader = Reader.open(settings.db_path())
    assert reader.detail(f"oncall:{arrived['id']}") is not None
    waiting = reader.outbox()
    # The resolve waits behind the acknowledgement of the same incident.
    assert [(c["op"], c["state"], c["attempts"]) for c in waiting] == [
        ("acknowledge", "queued", 1), ("resolve", "queued", 0)
    ]
    assert "500" in waiting[0]["last_error"]
    assert [r.state for r in reader.remotes()] == ["failing"]

    # Two changes failing so means the remote as a whole is in trouble: the pass stops.
    actions.acknowledge([ids[2]])
    emulator.faults.add(
        "status", status=500, path=f"{third['id']}/acknowledge$", times=-1
    )
    late = emulator.add("Arrived later")
    report = await sync(settings)
    assert not report.ok and reader.detail(f"oncall:{late['id']}") is None

    emulator.faults.clear()
    report = await sync(settings)
    assert report.ok and report.results[0].pushed == 3 and reader.queue_counts()[0] == 0
    assert emulator.incident(first["id"])["state"] == "resolved"


async def test_remote_deletion_is_noticed(serve: Serve, tmp_path: Path) -> None:
    revily = serve("revily", sample=0)
    gone = revily.emulator.add("Will vanish")
    kept = revily.emulator.add("Will stay")
    settings = settings_for(tmp_path, revily.emulator.remote_config("oncall"))
    assert (await sync(settings)).ok
    token = revily.emulator.remote_config("x")["token"]
    async with httpx.AsyncClient(base_url=revily.url) as client:
        response = await client.delete(
            f"/incidents/{gone['id']}", headers={"Authorization": f'Token token="{token}"'}
        )
    assert response.status_code == 204
    report = await sync(settings)
    assert report.results[0].removed == 1
    reader = Reader.open(settings.db_path())
    assert not reader.exists(f"oncall:{gone['id']}") and reader.exists(f"oncall:{kept['id']}")


KILLER = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from pathlib import Path
    from incident_tui.config import Settings
    from incident_tui.sync.engine import SyncEngine

    def die(change):
        # The remote accepted the change; the local commit has not happened yet.
        os.kill(os.getpid(), signal.SIGKILL)

    settings = Settings(db=Path(sys.argv[1]), remotes=[{
        "kind": sys.argv[2], "name": "target", "base_url": sys.argv[3], "token": sys.argv[4]}])
    asyncio.run(SyncEngine(settings, after_push=die).sync())
    """
)


async def test_kill_between_push_and_commit_creates_no_duplicate(
    serve: Serve, tmp_path: Path
) -> None:
    revily = serve("revily", sample=0)
    config = revily.emulator.remote_config("target")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).create("target", "revily", Draft("Only once", "x", None))
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    env = {**os.environ, "PYTHONPATH": REPO}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        str(settings.db_path()),
        "revily",
        config["base_url"],
        config["token"],
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == -signal.SIGKILL, stderr.decode()
    messages = [i["message"] for i in map(revily.emulator.incident, revily.emulator.incidents)]
    assert messages.count("Only once") == 1  # the remote has it; our commit never happened
    reader = Reader.open(settings.db_path())
    assert reader.outbox()[0]["state"] == "sending"
    report = await sync(settings)
    assert report.ok, report.results[0].error
    messages = [i["message"] for i in map(revily.emulator.incident, revily.emulator.incidents)]
    assert messages.count("Only once") == 1
    assert reader.queue_counts()[0] == 0
    rows = reader.all_rows(ListQuery(search="Only once"))
    assert len(rows) == 1 and not rows[0].local_only


async def test_kill_between_comment_push_and_commit_posts_it_once(
    serve: Serve, tmp_path: Path
) -> None:
    aoh = serve("aoh_ims", sample=0)
    row = aoh.emulator.add(name="Needs a note", status="NEW")
    config = aoh.emulator.remote_config("target")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).comment(f"target:{row['id']}", "said exactly once")
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        str(settings.db_path()),
        "aoh_ims",
        config["base_url"],
        config["token"],
        env={**os.environ, "PYTHONPATH": REPO},
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == -signal.SIGKILL, stderr.decode()

    def texts() -> list[str]:
        comments = aoh.emulator.tenants[next(iter(aoh.emulator.tenants))].comments
        return [c["text"] for c in comments.get(row["id"], {}).values()]

    assert texts() == ["said exactly once"]
    report = await sync(settings)
    assert report.ok, report.results[0].error
    assert texts() == ["said exactly once"]
    detail = Reader.open(settings.db_path()).detail(f"target:{row['id']}")
    assert detail is not None and detail.incident["pending"] == 0
    assert [(c["body"], c["pending"]) for c in detail.comments] == [("said exactly once", 0)]


def _full_parts(detail: Any) -> dict[str, Any]:
    """What only a full record brings, of one cached incident."""
    incident = detail.incident
    return {
        "description": incident["description"],
        "custom_fields": incident["custom_fields"],
        "acknowledged_at": incident["acknowledged_at"],
        "resolved_at": incident["resolved_at"],
        "comments": [c["body"] for c in detail.comments],
        "chargeable": incident["extra"].get("chargeable"),
    }


async def test_a_summary_never_blanks_what_only_the_full_record_has(
    serve: Serve, tmp_path: Path
) -> None:
    # Kitehouse list rows carry no description, custom fields, SLA times or comments. A
    # change elsewhere makes the next pull bring the row as such a summary; the cache keeps
    # the full record's parts (the detail of an incident changed while we were offline must
    # not turn into "No description") until the full record is read again.
    kitehouse = serve("kitehouse", sample=40)
    settings = settings_for(tmp_path, kitehouse.emulator.remote_config("school"))
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    chosen = next(
        detail
        for row in reader.all_rows(ListQuery())
        if (detail := reader.detail(row.id)) is not None
        and detail.incident["status"] == "resolved"
        and detail.incident["custom_fields"]
        and detail.comments
    )
    before = _full_parts(chosen)
    assert before["description"] and before["resolved_at"] and before["chargeable"] is not None
    kitehouse.emulator.touch(chosen.incident["remote_id"], short_description="Renamed elsewhere")

    offline_hydrate = settings.model_copy(update={"hydrate_limit": 0})
    assert (await sync(offline_hydrate)).ok
    summary = reader.detail(chosen.incident["id"])
    assert summary is not None
    assert summary.incident["title"] == "Renamed elsewhere"
    assert _full_parts(summary) == before
    assert summary.incident["hydrated"] == 0  # the engine reads the full record again

    assert (await sync(settings)).ok
    full = reader.detail(chosen.incident["id"])
    assert full is not None and full.incident["hydrated"] == 1
    assert full.incident["title"] == "Renamed elsewhere" and _full_parts(full) == before


async def test_a_oneuptime_summary_keeps_the_timeline_times_and_owners(
    serve: Serve, tmp_path: Path
) -> None:
    # OneUptime's list rows carry neither the state timeline (acknowledged and resolved
    # times) nor the owners (assignees): only get reads those, from their own listings.
    status = serve("oneuptime", sample=40)
    settings = settings_for(tmp_path, status.emulator.remote_config("status"), hydrate_limit=40)
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    chosen = next(
        detail.incident
        for row in reader.all_rows(ListQuery())
        if (detail := reader.detail(row.id)) is not None
        and detail.incident["status"] == "resolved"
        and detail.incident["assignees"]
    )
    before = {name: chosen[name] for name in ("acknowledged_at", "resolved_at", "assignees")}
    assert before["acknowledged_at"] and before["resolved_at"]
    status.emulator.touch(chosen["remote_id"], title="Renamed elsewhere")

    assert (await sync(settings.model_copy(update={"hydrate_limit": 0}))).ok
    summary = reader.detail(chosen["id"])
    assert summary is not None and summary.incident["title"] == "Renamed elsewhere"
    assert {name: summary.incident[name] for name in before} == before
    assert summary.incident["hydrated"] == 0  # the engine reads the full record again


async def test_sample_data_never_happens_after_now(serve: Serve, tmp_path: Path) -> None:
    # The demo's incidents, as the TUI shows them: acknowledged and resolved by now, in order.
    kinds = {"school": "kitehouse", "plant": "fourhse", "oncall": "revily"}
    kinds |= {"status": "oneuptime", "ops": "aoh_ims"}
    remotes = [serve(kind, sample=150).emulator.remote_config(name) for name, kind in kinds.items()]
    settings = settings_for(tmp_path, *remotes)
    # The sync's clock is the emulators' (as a real client's and server's agree): a day
    # 4HSE closed an incident on is timed at most at the pass's moment.
    report = await sync(settings, clock=fixed_clock(FIXED_NOW))
    assert report.ok, [r.error for r in report.results]
    reader = Reader.open(settings.db_path())
    now = FIXED_NOW.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    checked = 0
    for name in kinds:
        for row in reader.all_rows(ListQuery(remotes=frozenset({name}))):
            detail = reader.detail(row.id)
            assert detail is not None
            times = detail.incident
            moments = [times["created_at"], times["acknowledged_at"], times["resolved_at"]]
            known = [m for m in moments if m]
            assert max(known) <= now, (row.id, moments)
            # By day: 4HSE closes incidents by date, timed within that day.
            assert [m[:10] for m in known] == sorted(m[:10] for m in known), (row.id, moments)
            checked += 1
    assert checked == 750


async def test_fetching_full_records_reports_progress(serve: Serve, tmp_path: Path) -> None:
    from incident_tui.sync.events import NullListener

    class Recorder(NullListener):
        def __init__(self) -> None:
            self.details: list[tuple[str, int, int]] = []

        def remote_details(self, remote: str, fetched: int, total: int) -> None:
            self.details.append((remote, fetched, total))

    school = serve("kitehouse", sample=60)
    settings = settings_for(tmp_path, school.emulator.remote_config("school"), hydrate_limit=60)
    listener = Recorder()
    report = await sync(settings, listener=listener)
    assert report.ok, [r.error for r in report.results]
    assert listener.details == [("school", 25, 60), ("school", 50, 60), ("school", 60, 60)]
    # The next pass has nothing left to fetch in full, and says nothing about it.
    listener.details.clear()
    assert (await sync(settings, listener=listener)).ok
    assert listener.details == []


async def test_a_listing_s_count_is_reported_once_when_its_last_page_comes_empty(
    serve: Serve, tmp_path: Path
) -> None:
    from incident_tui.sync.events import NullListener

    class Recorder(NullListener):
        def __init__(self) -> None:
            self.listed: list[tuple[str, int]] = []

        def remote_progress(self, remote: str, listed: int) -> None:
            self.listed.append((remote, listed))

    school = serve("kitehouse", sample=300)
    # Answers slow to come, as over a slow link (else the pages are stored together):
    # Kitehouse's last page, asked for after three full ones, comes alone and empty, and
    # "listed 300" was said twice.
    school.emulator.faults.add("delay", delay=0.1, method="GET", times=-1)
    config = {**school.emulator.remote_config("school"), "page_size": 100}
    settings = settings_for(tmp_path, config, hydrate_limit=50)
    listener = Recorder()
    report = await sync(settings, listener=listener)
    assert report.ok, [r.error for r in report.results]
    counts = [listed for _, listed in listener.listed]
    # Pages stored together (a busy machine) are one count: each said once, the last 300.
    assert counts[-1] == 300, counts
    assert counts == sorted(set(counts)), counts


async def test_headless_sync_prints_progress_on_a_terminal_only(
    serve: Serve, tmp_path: Path
) -> None:
    import io

    from incident_tui.sync.cli_listener import PrintListener, run_sync

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    school = serve("kitehouse", sample=30)
    settings = settings_for(tmp_path, school.emulator.remote_config("school"), hydrate_limit=30)
    terminal = Terminal()
    assert await run_sync(settings, None, once=True, listener=PrintListener(terminal)) == 0
    lines = terminal.getvalue().splitlines()
    assert lines[0] == "school: syncing…"
    assert "school: listed 30" in lines
    assert lines.index("school: details 25/30") < lines.index("school: details 30/30")
    assert lines[-1] == "synced 1 of 1 remotes"
    log = io.StringIO()
    settings = settings_for(tmp_path / "again", school.emulator.remote_config("school"))
    assert await run_sync(settings, None, once=True, listener=PrintListener(log)) == 0
    said = log.getvalue()
    assert "school: syncing…" in said and "listed" not in said and "details" not in said


async def _acked_here_resolved_there(serve: Serve, tmp_path: Path) -> tuple[Settings, str]:
    """An AOH IMS incident acknowledged here while someone resolved it there: in conflict."""
    aoh = serve("aoh_ims", sample=0)
    row = aoh.emulator.add(name="Disk full", status="NEW", severity="HIGH")
    settings = settings_for(tmp_path, aoh.emulator.remote_config("ops"))
    assert (await sync(settings)).ok
    incident_id = f"ops:{row['id']}"
    Actions.open(settings.db_path()).acknowledge([incident_id])
    aoh.emulator.touch(row["id"], status="RESOLVED", severity="CRITICAL")
    assert (await sync(settings)).results[0].conflicts == 1
    return settings, incident_id


def _shown(settings: Settings, incident_id: str) -> dict[str, Any]:
    detail = Reader.open(settings.db_path()).detail(incident_id)
    assert detail is not None
    return detail.incident


async def test_taking_theirs_shows_their_status_with_their_own_words(
    serve: Serve, tmp_path: Path
) -> None:
    settings, incident_id = await _acked_here_resolved_there(serve, tmp_path)
    outbox_answers.take_theirs(SyncEngine(settings).engine, incident_id)
    # At once, before any sync: before, the status was theirs but its word was still ours
    # ("resolved (NEW)") until a later pass read the incident again.
    shown = _shown(settings, incident_id)
    assert (shown["status"], shown["status_raw"]) == ("resolved", "RESOLVED")
    assert (shown["severity"], shown["severity_raw"]) == ("critical", "CRITICAL")
    # Our acknowledgement's time went with it: AOH IMS keeps no such time.
    assert shown["acknowledged_at"] is None


async def test_discarding_a_contested_change_shows_theirs_with_their_own_words(
    serve: Serve, tmp_path: Path
) -> None:
    settings, incident_id = await _acked_here_resolved_there(serve, tmp_path)
    [seq] = [c["seq"] for c in Reader.open(settings.db_path()).outbox()]
    outbox_answers.discard(SyncEngine(settings).engine, seq)
    shown = _shown(settings, incident_id)
    assert (shown["status"], shown["status_raw"]) == ("resolved", "RESOLVED")
    assert (shown["severity"], shown["severity_raw"]) == ("critical", "CRITICAL")


async def test_a_changed_priority_map_reads_the_cached_incidents_again(
    serve: Serve, tmp_path: Path
) -> None:
    kite = serve("kitehouse", sample=40)
    config = kite.emulator.remote_config("school")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok

    def severities() -> set[tuple[str | None, str | None]]:
        conn = sqlite3.connect(settings.db_path())
        try:
            rows = conn.execute("SELECT severity_raw, severity FROM incident").fetchall()
        finally:
            conn.close()
        return set(rows)

    assert ("Medium", "minor") in severities()
    # The user says what "Medium" means here: every cached incident must read so, not only
    # those the remote changes later (an unchanged one was never written again).
    changed = settings_for(tmp_path, {**config, "priority_map": {"Medium": "critical"}})
    report = await sync(changed)
    assert report.ok and report.results[0].pulled == 40  # every one written again
    assert ("Medium", "critical") in severities() and ("Medium", "minor") not in severities()
    # Once read again, a pass with the same settings writes nothing.
    report = await sync(changed)
    assert report.ok and report.results[0].pulled == 0
    assert ("Medium", "critical") in severities()
