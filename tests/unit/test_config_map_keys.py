"""Two keys of a ``status_map``, ``priority_map`` or ``severity_map`` that the remote's
words are matched against as one (Kitehouse's and OneUptime's in any case, AOH IMS's codes
also with spaces and dashes as underscores) must not map to different values: loaded, the
last one silently won. Such a config is refused, naming both keys; keys that agree load."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_tui.config import load_settings
from incident_tui.config_error import ConfigError
from incident_tui.config_remotes import AohImsRemote, KitehouseRemote

KITEHOUSE = (
    '[[remotes]]\nname = "school"\nkind = "kitehouse"\nbase_url = "https://kh.example.test"\n'
    'site_id = "site-1"\n'
)
AOH_IMS = '[[remotes]]\nname = "ops"\nkind = "aoh_ims"\nbase_url = "https://ims.example.test"\n'
ONEUPTIME = '[[remotes]]\nname = "status"\nkind = "oneuptime"\nproject_id = "p"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("table", "line", "problem"),
    [
        (KITEHOUSE, 'status_map = { "On Hold" = "acknowledged", "on hold" = "resolved" }',
         "remotes[0] (school).status_map: 'On Hold' and 'on hold' are one key to the "
         "remote (matched in any case) but map to 'acknowledged' and 'resolved': keep one"),
        (KITEHOUSE, 'priority_map = { P1 = "critical", p1 = "minor" }',
         "remotes[0] (school).priority_map: 'P1' and 'p1' are one key to the remote "
         "(matched in any case) but map to 'critical' and 'minor': keep one"),
        (AOH_IMS, 'status_map = { "In Progress" = "acknowledged", IN_PROGRESS = "new" }',
         "remotes[0] (ops).status_map: 'In Progress' and 'IN_PROGRESS' are one key to the "
         "remote (matched in any case, spaces and dashes as underscores) but map to "
         "'acknowledged' and 'triggered': keep one"),
        (AOH_IMS, 'severity_map = { "sev-1" = "critical", SEV_1 = "" }',
         "remotes[0] (ops).severity_map: 'sev-1' and 'SEV_1' are one key to the remote "
         "(matched in any case, spaces and dashes as underscores) but map to 'critical' "
         "and '': keep one"),
        (ONEUPTIME, 'severity_map = { "Sev 1" = "critical", "SEV 1" = "major" }',
         "remotes[0] (status).severity_map: 'Sev 1' and 'SEV 1' are one key to the remote "
         "(matched in any case) but map to 'critical' and 'major': keep one"),
    ],
)
def test_two_keys_read_as_one_that_disagree_are_refused_naming_both(
    tmp_path: Path, table: str, line: str, problem: str
) -> None:
    path = write(tmp_path, table + line + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == f"{path}: {problem}"


def test_keys_read_as_one_that_agree_and_keys_the_remote_tells_apart_load(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        # "new" is an alias of triggered: the same status under two words.
        KITEHOUSE + 'status_map = { "On Hold" = "new", "on hold" = "triggered", '
        '"on_hold" = "resolved" }\n'
        + AOH_IMS + 'status_map = { "In Progress" = "acknowledged", IN_PROGRESS = "open" }\n',
    )
    settings = load_settings(path)
    school, ops = settings.remote("school"), settings.remote("ops")
    assert isinstance(school, KitehouseRemote) and isinstance(ops, AohImsRemote)
    # Kitehouse matches its words in any case only: on_hold is another word than "on hold".
    assert school.status_map["on_hold"] == "resolved"
    assert ops.status_map == {"In Progress": "acknowledged", "IN_PROGRESS": "acknowledged"}
