"""Dialog drafts: kept in a file beside the cache, across instances, and never lost to a bad
file or a folder that cannot be written."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from incident_tui.ui.drafts import Drafts, drafts_path


def test_a_draft_outlives_the_process_until_dropped(tmp_path: Path) -> None:
    path = drafts_path(tmp_path / "cache.db")
    assert path.name == "cache.db.drafts.json"
    drafts = Drafts(path)
    fields = {"body": "Restarted [b]pump[/b] \u202e 🚒", "public": False}
    drafts.put("comment:ops:1", fields)
    assert path.stat().st_mode & 0o777 == 0o600  # may hold what the user wrote: owner only
    again = Drafts(path)
    assert again.get("comment:ops:1") == fields
    again.drop("comment:ops:1")
    assert Drafts(path).get("comment:ops:1") is None
    assert not list(tmp_path.glob(".drafts-*"))  # no temporary file left behind


def test_empty_fields_forget_the_draft(tmp_path: Path) -> None:
    drafts = Drafts(tmp_path / "d.json")
    drafts.put("new", {"title": "Gas", "description": ""})
    drafts.put("new", {"title": "", "description": "", "severity": None})
    assert drafts.get("new") is None
    assert Drafts(tmp_path / "d.json").get("new") is None


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"new": "text"}'])
def test_an_unreadable_file_is_moved_aside_not_overwritten(tmp_path: Path, content: str) -> None:
    path = tmp_path / "d.json"
    path.write_text(content)
    drafts = Drafts(path)
    assert drafts.get("new") is None
    aside = tmp_path / "d.json.unreadable"
    assert aside.read_text() == content
    drafts.put("new", {"title": "kept"})
    assert json.loads(path.read_text()) == {"new": {"title": "kept"}}
    assert aside.read_text() == content


def test_a_folder_that_cannot_be_written_keeps_the_draft_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # a file where the folder should be: fails also for root
    drafts = Drafts(blocker / "d.json")
    drafts.put("new", {"title": "still here"})
    assert drafts.get("new") == {"title": "still here"}


def test_a_file_that_cannot_be_read_is_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "d.json"
    path.write_text('{"new": {"title": "written by another session"}}')
    real_read = Path.read_text

    def refused(self: Path, *args: object, **kwargs: object) -> str:
        # A permission error cannot be made for real here: the tests may run as root.
        if self == path:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", refused)
    drafts = Drafts(path)
    drafts.put("comment:ops:1", {"body": "in memory"})
    assert drafts.get("comment:ops:1") == {"body": "in memory"}
    monkeypatch.undo()
    assert path.read_text() == '{"new": {"title": "written by another session"}}'


def test_two_instances_on_one_file_keep_each_others_drafts(tmp_path: Path) -> None:
    path = drafts_path(tmp_path / "cache.db")
    first, second = Drafts(path), Drafts(path)  # two TUIs, each started before any draft
    first.put("comment:ops:1", {"body": "half-written in the first"})
    second.put("comment:ops:2", {"body": "typed in the second"})
    second.put("new", {"title": "Gas leak"})
    second.drop("new")  # sent: only that one goes
    assert json.loads(path.read_text()) == {
        "comment:ops:1": {"body": "half-written in the first"},
        "comment:ops:2": {"body": "typed in the second"},
    }
    first.drop("comment:ops:1")
    assert Drafts(path).get("comment:ops:2") == {"body": "typed in the second"}
    assert Drafts(path).get("comment:ops:1") is None



def test_a_draft_sent_in_one_instance_is_not_offered_again_by_the_other(tmp_path: Path) -> None:
    path = drafts_path(tmp_path / "cache.db")
    first = Drafts(path)
    first.put("comment:ops:1", {"body": "Pump restarted, watching it"})  # escape in the first
    second = Drafts(path)
    assert second.get("comment:ops:1") == {"body": "Pump restarted, watching it"}
    second.drop("comment:ops:1")  # sent from the second
    # Reopening the dialog in the first must not offer the sent comment a second time.
    assert first.get("comment:ops:1") is None
    first.put("new", {"title": "Gas leak"})
    assert json.loads(path.read_text()) == {"new": {"title": "Gas leak"}}


def test_a_draft_saved_by_another_instance_since_is_seen(tmp_path: Path) -> None:
    path = drafts_path(tmp_path / "cache.db")
    first, second = Drafts(path), Drafts(path)  # both started before any draft
    second.put("comment:ops:1", {"body": "typed in the second"})
    assert first.get("comment:ops:1") == {"body": "typed in the second"}
    second.put("comment:ops:1", {"body": "typed in the second, more"})
    assert first.get("comment:ops:1") == {"body": "typed in the second, more"}
    # Putting back what the other holds is not taken for a change already made.
    first.put("comment:ops:1", {"body": "typed in the second"})
    assert Drafts(path).get("comment:ops:1") == {"body": "typed in the second"}


def test_a_draft_not_yet_saved_stays_over_what_another_instance_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = drafts_path(tmp_path / "cache.db")
    first, second = Drafts(path), Drafts(path)
    second.put("comment:ops:1", {"body": "the second's"})

    def full(*args: object, **kwargs: object) -> None:
        # A full disk cannot be made for real here.
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", full)
    first.put("comment:ops:2", {"body": "the first's, unsaved"})
    monkeypatch.undo()
    second.put("new", {"title": "Gas leak"})
    assert first.get("comment:ops:2") == {"body": "the first's, unsaved"}
    assert first.get("new") == {"title": "Gas leak"}
    first.put("comment:ops:3", {"body": "saved with it"})
    assert set(json.loads(path.read_text())) == {
        "comment:ops:1", "comment:ops:2", "comment:ops:3", "new",
    }



def test_a_draft_moves_to_the_incidents_new_key_and_joins_one_there(tmp_path: Path) -> None:
    path = drafts_path(tmp_path / "cache.db")
    drafts = Drafts(path)
    drafts.put("comment:ops:local-1", {"body": "written offline"})
    assert drafts.move("comment:ops:local-1", "comment:ops:77") == {"body": "written offline"}
    assert json.loads(path.read_text()) == {"comment:ops:77": {"body": "written offline"}}
    assert drafts.move("comment:ops:local-1", "comment:ops:77") == {"body": "written offline"}
    # One kept under the new key already: the two become one there, and the local key goes
    # (no dialog opens under it again), with nothing typed in either lost.
    drafts.put("edit:ops:local-1", {"title": "Gas", "description": "smell in 2B", "severity":
                                    "critical"})
    drafts.put("edit:ops:77", {"title": "Gas leak", "description": "", "severity": "major"})
    assert drafts.move("edit:ops:local-1", "edit:ops:77") == {
        "title": "Gas leak", "description": "smell in 2B", "severity": "major"}
    drafts.put("comment:ops:local-1", {"body": "pump restarted", "public": True})
    drafts.put("comment:ops:77", {"body": "valve shut", "public": False})
    assert drafts.move("comment:ops:local-1", "comment:ops:77") == {
        "body": "valve shut\n\npump restarted", "public": True}
    assert set(json.loads(path.read_text())) == {"comment:ops:77", "edit:ops:77"}
    assert Drafts(path).get("edit:ops:local-1") is None


SAVER = """
import sys
from pathlib import Path
from incident_tui.ui.drafts import Drafts
drafts = Drafts(Path(sys.argv[1]))
sys.stdin.readline()  # both start saving together
for n in range(int(sys.argv[3])):
    drafts.put(f"comment:{sys.argv[2]}:{n}", {"body": f"draft {n}"})
"""


def test_two_processes_saving_at_once_lose_nothing(tmp_path: Path) -> None:
    path = drafts_path(tmp_path / "cache.db")
    count = 150
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    savers = [
        subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path), name, str(count)],
            stdin=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        for name in ("ops", "school")
    ]
    for saver in savers:
        assert saver.stdin is not None
        saver.stdin.write("go\n")
        saver.stdin.flush()
    assert [saver.wait(timeout=60) for saver in savers] == [0, 0]
    # Each save read the file again under the lock: no save wrote over the other's drafts.
    assert len(json.loads(path.read_text())) == 2 * count
