"""The status words Kitehouse and AOH IMS write to acknowledge, resolve and reopen must read
back, through the remote's ``status_map`` and the default words, as the status they set: a
word read as another status would undo the change at the next sync, so the config is refused
when it loads, in one line naming the remote and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_tui.cli import main
from incident_tui.config import load_settings
from incident_tui.config_error import ConfigError
from incident_tui.config_remotes import AohImsRemote, KitehouseRemote

KITEHOUSE = (
    '[[remotes]]\nname = "school"\nkind = "kitehouse"\nbase_url = "https://kh.example.test"\n'
    'site_id = "site-1"\n'
)
AOH_IMS = '[[remotes]]\nname = "ops"\nkind = "aoh_ims"\nbase_url = "https://ims.example.test"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return str(caught.value)


def test_a_kitehouse_ack_word_read_as_triggered_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, KITEHOUSE + 'ack_status = "with_staff"\n')
    line = (
        f"{path}: remotes[0] (school).ack_status: 'with_staff' reads as triggered; add it to "
        "status_map as acknowledged or pick a word that means acknowledged"
    )
    assert refusal(path) == line
    assert main(["--config", str(path), "--db", str(tmp_path / "c.db"), "list"]) == 1
    err = capsys.readouterr().err
    assert line in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "key", "word", "reads", "means"),
    [
        (KITEHOUSE + 'resolve_status = "open"\n', "resolve_status", "open", "triggered",
         "resolved"),
        (KITEHOUSE + 'reopen_status = "closed"\n', "reopen_status", "closed", "resolved",
         "triggered"),
        # The default word, once status_map gives it another meaning.
        (KITEHOUSE + 'status_map = { in_progress = "new" }\n', "ack_status", "in_progress",
         "triggered", "acknowledged"),
        (AOH_IMS + 'ack_status = "NEW"\n', "ack_status", "NEW", "triggered", "acknowledged"),
        (AOH_IMS + 'resolve_status = "ARCHIVED"\n', "resolve_status", "ARCHIVED", "triggered",
         "resolved"),
        (AOH_IMS + 'reopen_status = "CLOSED"\n', "reopen_status", "CLOSED", "resolved",
         "triggered"),
        (AOH_IMS + 'status_map = { open = "new" }\n', "ack_status", "OPEN", "triggered",
         "acknowledged"),
    ],
    ids=["kitehouse-resolve", "kitehouse-reopen", "kitehouse-default-ack", "aoh-ack",
         "aoh-resolve", "aoh-reopen", "aoh-default-ack"],
)
def test_a_write_word_read_as_another_status_is_refused(
    tmp_path: Path, text: str, key: str, word: str, reads: str, means: str
) -> None:
    path = write(tmp_path, text)
    name = "school" if "kitehouse" in text else "ops"
    assert refusal(path) == (
        f"{path}: remotes[0] ({name}).{key}: {word!r} reads as {reads}; add it to status_map "
        f"as {means} or pick a word that means {means}"
    )


def test_every_wrong_word_is_named_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, KITEHOUSE + 'ack_status = "with_staff"\nresolve_status = "open"\n')
    assert refusal(path) == (
        f"{path}: remotes[0] (school).ack_status: 'with_staff' reads as triggered; add it to "
        "status_map as acknowledged or pick a word that means acknowledged; "
        "remotes[0] (school).resolve_status: 'open' reads as triggered; add it to status_map "
        "as resolved or pick a word that means resolved"
    )


def test_the_defaults_and_words_the_status_map_reads_right_load(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, KITEHOUSE + AOH_IMS))
    assert isinstance(settings.remote("school"), KitehouseRemote)
    assert isinstance(settings.remote("ops"), AohImsRemote)
    mapped = (
        KITEHOUSE + 'status_map = { with_staff = "acknowledged" }\nack_status = "with_staff"\n'
        # A word the connector does not know reads as triggered: right for a reopen.
        'reopen_status = "reinstated"\n'
        # AOH IMS codes are read in any case, with spaces and dashes as underscores.
        + AOH_IMS + 'status_map = { "with staff" = "acknowledged", "Done" = "resolved" }\n'
        'ack_status = "WITH-STAFF"\nresolve_status = "done"\n'
    )
    settings = load_settings(write(tmp_path, mapped))
    school, ops = settings.remote("school"), settings.remote("ops")
    assert isinstance(school, KitehouseRemote) and school.ack_status == "with_staff"
    assert isinstance(ops, AohImsRemote) and ops.ack_status == "WITH-STAFF"


@pytest.mark.parametrize(
    ("text", "key", "name"),
    [
        (KITEHOUSE + 'reopen_status = ""\n', "reopen_status", "school"),
        (KITEHOUSE + 'ack_status = "  "\n', "ack_status", "school"),
        (AOH_IMS + 'reopen_status = ""\n', "reopen_status", "ops"),
        (AOH_IMS + 'resolve_status = " "\n', "resolve_status", "ops"),
    ],
    ids=["kitehouse-reopen", "kitehouse-ack", "aoh-reopen", "aoh-resolve"],
)
def test_an_empty_or_blank_write_word_is_refused(
    tmp_path: Path, text: str, key: str, name: str
) -> None:
    # An empty word reads as triggered, so an empty reopen word passed the check above.
    path = write(tmp_path, text)
    assert refusal(path) == (
        f"{path}: remotes[0] ({name}).{key}: must be a status word, not empty: the change "
        "would send no status"
    )
