"""A remote configured with a wrong address answers 404 to everything: the sync must not
read that as "the incident is gone". Queued deletes stay queued, no change is failed with a
false reason, and the error says what to check. A real "already gone" still completes."""

from __future__ import annotations

from pathlib import Path

import httpx

from incident_tui.domain.query import ListQuery
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.conftest import dead_port
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync


def _states(reader: Reader) -> list[tuple[str, str]]:
    return [(change["op"], change["state"]) for change in reader.outbox()]


async def test_a_wrong_base_url_keeps_a_queued_delete_and_says_what_to_check(
    serve: Serve, tmp_path: Path
) -> None:
    kitehouse = serve("kitehouse", sample=5)
    config = kitehouse.emulator.remote_config("kh")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    doomed, other = [row.id for row in reader.page(ListQuery(), 0, 2)]
    actions = Actions.open(settings.db_path())
    actions.delete(doomed)
    actions.comment(other, "Checked on site")
    # A path the server does not have, as a base_url with a wrong prefix gives.
    wrong = settings_for(tmp_path, {**config, "base_url": kitehouse.url + "/api"})

    report = await sync(wrong)

    result = report.results[0]
    assert not result.ok and "check base_url" in (result.error or "")
    assert _states(reader) == [("delete", "queued"), ("comment", "queued")]
    assert doomed.split(":", 1)[1] in kitehouse.emulator.incidents
    report = await sync(settings)
    assert report.ok and report.results[0].pushed == 2 and reader.outbox() == []
    assert doomed.split(":", 1)[1] not in kitehouse.emulator.incidents


async def test_a_wrong_token_url_is_a_sign_in_failure_and_keeps_the_queue(
    serve: Serve, tmp_path: Path
) -> None:
    fourhse = serve("fourhse", sample=4)
    config = fourhse.emulator.remote_config("hse")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    doomed = reader.page(ListQuery(), 0, 1)[0].id
    Actions.open(settings.db_path()).delete(doomed)
    wrong = settings_for(tmp_path, {**config, "token_url": config["token_url"] + "-typo"})

    result = (await sync(wrong)).results[0]

    assert not result.ok
    assert "sign-in address answered HTTP 404" in (result.error or "")
    assert "check token_url" in (result.error or "")
    assert _states(reader) == [("delete", "queued")]


async def test_a_sign_in_server_out_of_reach_is_named_not_the_remote(
    serve: Serve, tmp_path: Path
) -> None:
    fourhse = serve("fourhse", sample=2)
    config = fourhse.emulator.remote_config("hse")
    token_url = f"http://127.0.0.1:{dead_port()}/realms/4hse/token"
    settings = settings_for(tmp_path, {**config, "token_url": token_url})

    result = (await sync(settings)).results[0]

    # The remote itself answers: the error sends the user to the sign-in server.
    assert not result.ok and f"cannot connect to {token_url}" in (result.error or "")
    assert fourhse.url not in (result.error or "")


async def test_deleting_what_the_remote_already_deleted_completes(
    serve: Serve, tmp_path: Path
) -> None:
    revily = serve("revily", sample=0)
    incident = revily.emulator.add("Deleted twice")
    settings = settings_for(tmp_path, revily.emulator.remote_config("oncall"))
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).delete(f"oncall:{incident['id']}")
    token = revily.emulator.remote_config("x")["token"]
    async with httpx.AsyncClient(base_url=revily.url) as client:
        response = await client.delete(
            f"/incidents/{incident['id']}", headers={"Authorization": f'Token token="{token}"'}
        )
    assert response.status_code == 204

    report = await sync(settings)

    assert report.ok and report.results[0].pushed == 1 and report.results[0].failed == 0
    reader = Reader.open(settings.db_path())
    assert reader.outbox() == [] and not reader.exists(f"oncall:{incident['id']}")


async def test_a_create_in_an_unknown_revily_service_fails_saying_so(
    serve: Serve, tmp_path: Path
) -> None:
    from incident_tui.domain.model import Draft

    revily = serve("revily", sample=1)
    settings = settings_for(tmp_path, revily.emulator.remote_config("oncall"))
    Actions.open(settings.db_path()).create(
        "oncall", "revily", Draft("Disk full", container="NOPE")
    )

    report = await sync(settings)

    assert report.ok and report.results[0].failed == 1
    [change] = Reader.open(settings.db_path()).outbox()
    assert change["state"] == "failed"
    assert "Revily has no service 'NOPE'" in change["last_error"]
    assert "incident-tui services oncall" in change["last_error"]
