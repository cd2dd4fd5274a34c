"""Comment, attachment and change numbers stay put while their rows exist and are never
handed out again, through the sync engine against the Kitehouse emulator over HTTP: ``show``
prints them and ``delete-comment``, ``delete-attachment``, ``retry`` and ``discard`` take them,
so a number that moved or came back would act on something else. And the confirmation of a
deletion shows what would be deleted."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui.cli import main
from incident_tui.emulators.kitehouse import DEFAULT_TOKEN
from incident_tui.store.actions import ActionError, Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import FIXED_NOW, Serve
from tests.integration.test_sync import settings_for, sync


def _numbers(reader: Reader, incident_id: str, kind: str = "comments") -> dict[str, int]:
    """Remote id -> number as ``show`` prints it, for the incident's remote rows."""
    detail = reader.detail(incident_id)
    assert detail is not None
    return {row["remote_id"]: row["seq"] for row in getattr(detail, kind) if row["remote_id"]}


def ticking() -> Callable[[], datetime]:
    """An emulator clock a second further at each reading: Kitehouse moves an incident's
    ``updated_at`` (its version) when a comment or file comes or goes, so the next sync
    reads the full record again."""
    seconds = itertools.count()
    return lambda: FIXED_NOW + timedelta(seconds=next(seconds))


async def _remote(server: Any, method: str, path: str, **options: Any) -> Any:
    """A request to the Kitehouse emulator as another user would make it."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.request(
            method, path, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, **options
        )
    assert response.status_code == 200, response.text
    return response.json()


async def test_comments_keep_their_numbers_and_a_freed_number_never_returns(
    serve: Serve, tmp_path: Path
) -> None:
    kite = serve("kitehouse", sample=0, clock=ticking())
    site = kite.emulator.site_id  # type: ignore[attr-defined]
    made = [kite.emulator.add(title) for title in ("Boiler alarm", "Fire door propped")]  # type: ignore[attr-defined]
    for incident in made:
        for n in range(1, 5):
            await _remote(
                kite, "POST", f"/incidents/{site}/{incident['_id']}/comments",
                json={"message": f"{incident['short_description']}: note {n}"},
            )
    settings = settings_for(tmp_path, kite.emulator.remote_config("school"))
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    ids = [f"school:{incident['_id']}" for incident in made]
    before = {incident_id: _numbers(reader, incident_id) for incident_id in ids}
    assert all(len(numbers) == 4 for numbers in before.values())
    used = max(seq for numbers in before.values() for seq in numbers.values())
    # The newest number of all (a freed top number is the one SQLite would hand out again)
    # and one from the middle of the other incident go on the remote.
    top_id = next(i for i in ids if used in before[i].values())
    other_id = next(i for i in ids if i != top_id)
    top = next(remote_id for remote_id, seq in before[top_id].items() if seq == used)
    middle = sorted(before[other_id], key=before[other_id].__getitem__)[1]
    for incident_id, comment in ((top_id, top), (other_id, middle)):
        remote_id = incident_id.split(":", 1)[1]
        await _remote(kite, "DELETE", f"/incidents/{site}/{remote_id}/comments/{comment}")

    assert (await sync(settings)).ok

    for incident_id, gone in ((top_id, top), (other_id, middle)):
        expected = {k: v for k, v in before[incident_id].items() if k != gone}
        assert _numbers(reader, incident_id) == expected
    actions = Actions.open(settings.db_path())
    with pytest.raises(ActionError, match=f"has no comment {used}"):
        actions.delete_comment(top_id, used)

    # New comments, from the remote and from here, get numbers never used before.
    remote_top = top_id.split(":", 1)[1]
    await _remote(
        kite, "POST", f"/incidents/{site}/{remote_top}/comments", json={"message": "Teammate"}
    )
    assert (await sync(settings)).ok
    teammate = next(c for c in reader.detail(top_id).comments if c["body"] == "Teammate")  # type: ignore[union-attr]
    assert teammate["seq"] > used
    mine = actions.comment(top_id, "Boiler reset by the caretaker")
    local = next(c for c in reader.detail(top_id).comments if c["pending"])  # type: ignore[union-attr]
    assert local["seq"] > teammate["seq"]
    assert (await sync(settings)).ok  # pushed, then the full record is read back
    pushed = next(c for c in reader.detail(top_id).comments if c["body"].startswith("Boiler r"))  # type: ignore[union-attr]
    assert pushed["seq"] == local["seq"] and not pushed["pending"] and pushed["remote_id"]
    assert reader.outbox() == []
    # The outbox is empty again: the next change still gets a new number.
    assert actions.comment(top_id, "Checked again at 04:00").seq > mine.seq


async def test_attachments_keep_their_numbers_and_a_freed_number_never_returns(
    serve: Serve, tmp_path: Path
) -> None:
    kite = serve("kitehouse", sample=0, clock=ticking())
    site = kite.emulator.site_id  # type: ignore[attr-defined]
    made = kite.emulator.add("Flooded basement")  # type: ignore[attr-defined]
    incident_id = f"school:{made['_id']}"
    settings = settings_for(tmp_path, kite.emulator.remote_config("school"))
    assert (await sync(settings)).ok
    actions = Actions.open(settings.db_path())
    for name in ("a.txt", "b.txt", "c.txt"):
        path = tmp_path / name
        path.write_text(f"evidence {name}")
        actions.attach(incident_id, path, "text/plain")
    assert (await sync(settings)).ok  # uploaded, then the full record is read back
    reader = Reader.open(settings.db_path())
    before = _numbers(reader, incident_id, "attachments")
    assert len(before) == 3
    used = max(before.values())
    top = next(remote_id for remote_id, seq in before.items() if seq == used)
    await _remote(
        kite, "DELETE", f"/incidents/{site}/{made['_id']}/attachments", params={"objectId": top}
    )

    assert (await sync(settings)).ok

    assert _numbers(reader, incident_id, "attachments") == {
        k: v for k, v in before.items() if k != top
    }
    with pytest.raises(ActionError, match=f"has no attachment {used}"):
        actions.delete_attachment(incident_id, used)
    (tmp_path / "d.txt").write_text("more evidence")
    actions.attach(incident_id, tmp_path / "d.txt", "text/plain")
    new = next(a for a in reader.detail(incident_id).attachments if a["name"] == "d.txt")  # type: ignore[union-attr]
    assert new["seq"] > used


def test_deleting_asks_with_the_author_and_the_first_line(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kite = serve("kitehouse", sample=0, clock=ticking())
    made = kite.emulator.add("Broken window")  # type: ignore[attr-defined]
    hostile = "\x1b]52;c;ZXZpbA==\x07\n\nGlass  swept up\u202e by the caretaker\nsecond line"
    config = kite.emulator.remote_config("school")
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([config]))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))
    incident_id = f"school:{made['_id']}"
    remote_comment = httpx.post(
        f"{kite.url}/incidents/{config['site_id']}/{made['_id']}/comments",
        json={"message": hostile}, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
    )
    assert remote_comment.status_code == 200
    assert main(["sync", "--once"]) == 0
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    assert main(["attach", incident_id, str(tmp_path / "photo.jpg")]) == 0
    assert main(["sync", "--once"]) == 0
    detail = Reader.open(tmp_path / "cache.db").detail(incident_id)
    assert detail is not None
    comment, attachment = detail.comments[0], detail.attachments[0]
    assert comment["author"]
    capsys.readouterr()

    # No terminal here: the question is printed with the refusal.
    assert main(["delete-comment", incident_id, str(comment["seq"])]) == 1
    asked = capsys.readouterr().err
    assert f"Delete comment #{comment['seq']} of {incident_id} by {comment['author']}" in asked
    assert "'Glass swept up by the caretaker …'" in asked
    assert "\x1b" not in asked and "\u202e" not in asked and "second line" not in asked
    assert main(["delete-attachment", incident_id, str(attachment["seq"])]) == 1
    asked = capsys.readouterr().err
    assert f"Delete attachment #{attachment['seq']} 'photo.jpg' of {incident_id}?" in asked


async def test_show_json_carries_the_numbers_the_commands_take(
    serve: Serve, use: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = serve("kitehouse", sample=0)
    made = kite.emulator.add("Boiler alarm")  # type: ignore[attr-defined]
    site = kite.emulator.site_id  # type: ignore[attr-defined]
    for n in (1, 2):
        await _remote(
            kite, "POST", f"/incidents/{site}/{made['_id']}/comments",
            json={"message": f"note {n}"},
        )
    db = await asyncio.to_thread(use, ("school", kite))
    incident_id = f"school:{made['_id']}"
    photo = db.parent / "photo.txt"
    photo.write_text("smoke")
    assert main(["attach", incident_id, str(photo)]) == 0
    capsys.readouterr()
    assert main(["show", incident_id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    reader = Reader.open(db)
    detail = reader.detail(incident_id)
    reader.close()
    assert detail is not None
    assert [(c["id"], c["number"]) for c in shown["comments"]] == [
        (c["remote_id"], c["seq"]) for c in detail.comments
    ]
    assert [(a["name"], a["number"]) for a in shown["attachments"]] == [
        ("photo.txt", detail.attachments[0]["seq"])
    ]
    # A script takes the number from the JSON to the command that wants it.
    last = shown["comments"][-1]
    assert main(["delete-comment", incident_id, str(last["number"]), "--yes"]) == 0
    assert f"queued: delete comment #{last['number']} " in capsys.readouterr().out
