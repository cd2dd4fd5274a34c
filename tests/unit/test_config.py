"""Config: file < environment < flags, and every bad config is one clear line."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from incident_tui.config import load_settings
from incident_tui.config_error import ConfigError
from incident_tui.config_remotes import AohImsRemote, FourhseRemote
from incident_tui.keymap import BY_ID

GOOD = """
theme = "incident-light"
poll_seconds = 20

[[remotes]]
name = "school"
kind = "kitehouse"
base_url = "https://api.example.test/"
site_id = "site-1"
token_env = "SCHOOL_TOKEN"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_and_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, GOOD)
    settings = load_settings(path)
    assert settings.theme == "incident-light" and settings.poll_seconds == 20
    remote = settings.remote("school")
    assert remote.base_url == "https://api.example.test"
    monkeypatch.setenv("SCHOOL_TOKEN", "s3cret")
    assert remote.secret() == "s3cret"
    monkeypatch.setenv("INCIDENT_TUI_POLL_SECONDS", "40")
    assert load_settings(path).poll_seconds == 40
    assert load_settings(path, {"poll_seconds": 50}).poll_seconds == 50
    monkeypatch.setenv("INCIDENT_TUI_CONFIG", str(path))
    assert load_settings().theme == "incident-light"


def test_missing_default_file_is_empty_but_named_file_must_exist(tmp_path: Path) -> None:
    assert load_settings().remotes == []
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("theme = [", "not valid TOML"),
        ("colour = 1", "colour: unknown key"),
        (
            '[[remotes]]\nname = "x"\nkind = "jira"\nbase_url = "http://h"',
            "remotes[0] (x): unknown kind 'jira' (want one of kitehouse, fourhse, revily, "
            "oneuptime, aoh_ims)",
        ),
        # The name people know a system by is taken for what it is.
        (
            '[[remotes]]\nname = "x"\nkind = "4hse"\nbase_url = "http://h"',
            "remotes[0] (x): unknown kind '4hse' (did you mean 'fourhse'?)",
        ),
        (
            '[[remotes]]\nname = "x"\nkind = "AOH IMS"\nbase_url = "http://h"',
            "remotes[0] (x): unknown kind 'AOH IMS' (did you mean 'aoh_ims'?)",
        ),
        (
            '[remotes]\nname = "x"\nkind = "revily"\nbase_url = "http://h"',
            "remotes: write each remote as a [[remotes]] table (two brackets), not [remotes]",
        ),
        ('remotes = "x"', "remotes: want one [[remotes]] table (two brackets) per remote"),
        (
            '[[remotes]]\nname = "school"\nkind = "kitehouse"\nbase_url = "http://h"',
            "remotes[0] (school).site_id: required key is missing",
        ),
        (
            '[[remotes]]\nname = "a"\nkind = "revily"\nbase_url = "ftp://h"',
            "remotes[0] (a).base_url: must start with http",
        ),
        (
            '[[remotes]]\nname = "a"\nkind = "revily"\nbase_url = "http://h"\nsite = 1',
            "remotes[0] (a).site: unknown key",
        ),
        ("poll_seconds = 0", "poll_seconds: Input should be greater than or equal to 1"),
        ('[keys]\nackowledge = "ctrl+a"', "keys: 'ackowledge' is not a binding id (want one of"),
        ('[keys]\nresolve = " "', "keys: 'resolve' has no key"),
        (
            '[keys]\nhelp = "ctrl-h"',
            "keys.help: 'ctrl-h' is not a key name (did you mean 'ctrl+h'?)",
        ),
        (
            '[keys]\nacknowledge = "ctrl+banana"',
            "keys.acknowledge: 'ctrl+banana' is not a key name (",
        ),
        (
            '[keys]\nsync = "s, esc"',
            "keys.sync: 'esc' is how Textual shows escape (write 'escape')",
        ),
        ('[keys]\nsync = "s,"', "keys.sync: an empty key (two commas, or one at an end)"),
        (
            '[[remotes]]\nname = "ops:eu"\nkind = "revily"\nbase_url = "http://h"',
            "remotes[0] (ops:eu).name: use letters, digits, '_', '.' and '-' only",
        ),
        (
            # pydantic's "[key]" step (the key, not its value, is wrong) is no key to write.
            '[[remotes]]\nname = "kh"\nkind = "kitehouse"\nbase_url = "http://h"\n'
            'site_id = "s"\n[remotes.priority_ids]\nurgent = "p1"',
            "remotes[0] (kh).priority_ids.urgent: Input should be 'critical', 'major' or "
            "'minor'",
        ),
    ],
)
def test_bad_config_is_one_line_naming_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    line = str(caught.value)
    assert "\n" not in line
    assert str(path) in line
    assert message in line


def test_a_config_path_that_is_a_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert str(caught.value) == f"{tmp_path}: is a folder, not a config file"


def test_a_config_path_that_is_no_text_says_so(tmp_path: Path) -> None:
    # "cannot read: 'utf-8' codec can't decode byte 0x80 …" said neither what nor why.
    cache = tmp_path / "cache.db"
    sqlite3.connect(cache).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(ConfigError) as caught:
        load_settings(cache)
    assert str(caught.value) == (
        f"{cache}: is an SQLite database (a cache?), not a TOML config file; --db names the "
        "cache"
    )
    binary = tmp_path / "config.toml"
    binary.write_bytes(b"\xef\xbb\xbftheme = 1\n\x80")
    with pytest.raises(ConfigError) as caught:
        load_settings(binary)
    assert str(caught.value) == (
        f"{binary}: not a TOML text file (byte 0x80 at position 13 is not UTF-8 text)"
    )


def test_duplicate_remote_names(tmp_path: Path) -> None:
    one = '[[remotes]]\nname = "a"\nkind = "revily"\nbase_url = "http://h"\n'
    with pytest.raises(ConfigError, match="used twice"):
        load_settings(write(tmp_path, one + one))


def test_remote_names_that_differ_only_in_case_are_refused(tmp_path: Path) -> None:
    one = '[[remotes]]\nname = "school"\nkind = "revily"\nbase_url = "http://h"\n'
    with pytest.raises(ConfigError, match="'school' and 'School' differ only in case"):
        load_settings(write(tmp_path, one + one.replace('"school"', '"School"')))


def test_a_remote_is_found_by_its_name_in_any_case(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.remote("SCHOOL").name == "school"
    assert settings.remote_name("School") == "school"
    assert settings.remote_name("gone") == "gone"


def test_unknown_remote_lookup(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="unknown remote 'nope' \\(known: school\\)"):
        settings.remote("nope")


def test_key_names_textual_uses_are_taken(tmp_path: Path) -> None:
    keys = {"help": "f1, question_mark", "acknowledge": "ctrl+a", "search": "?", "sort": "A",
            "quit": "ctrl+shift+q", "sync": "alt+up", "select": "space"}
    table = "".join(f'{binding} = "{pressed}"\n' for binding, pressed in keys.items())
    assert load_settings(write(tmp_path, "[keys]\n" + table)).keys == keys


def test_every_problem_of_the_keys_table_is_named_at_once(tmp_path: Path) -> None:
    # A binding id with a typo went unnamed while any value held a bad key name: it showed
    # only once those were fixed, at the next run.
    path = write(tmp_path, '[keys]\nacknowlege = "ctrl+a"\nresolve = "ctrl-r"\nopen = "esc"\n'
                 'sync = 1\nsort = " "\nexprot = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: keys: 'acknowlege' is not a binding id (want one of {', '.join(BY_ID)}); "
        "keys.resolve: 'ctrl-r' is not a key name (did you mean 'ctrl+r'?); "
        "keys.open: 'esc' is how Textual shows escape (write 'escape'); "
        "keys.sync: Input should be a valid string; keys: 'sort' has no key (and 1 more)"
    )


def test_readme_lists_every_binding_id_and_no_other() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    paragraph = readme.split("Rebind any of these in `[keys]` by binding id", 1)[1]
    paragraph = paragraph.split("Any other id is a config error", 1)[0]
    listed = re.findall(r"`([a-z_]+)`", paragraph.split("names):", 1)[1])
    assert listed == list(BY_ID)


def test_every_config_problem_is_named_on_the_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        'colour = 1\npoll_seconds = 0\n[[remotes]]\nname = "school"\nkind = "kitehouse"\n'
        'base_url = "http://h"\n'
    )
    path = write(tmp_path, text)
    monkeypatch.setenv("INCIDENT_TUI_THEME_SIZE", "1")  # not a setting: an error as well
    monkeypatch.setenv("INCIDENT_TUI_BELL", "loud")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    line = str(caught.value)
    assert "\n" not in line
    for problem in (
        "colour: unknown key",
        "poll_seconds: Input should be greater than or equal to 1",
        "remotes[0] (school).site_id: required key is missing",
        "environment INCIDENT_TUI_BELL: bell: Input should be a valid boolean",
        "environment INCIDENT_TUI_THEME_SIZE: unknown setting",
    ):
        assert problem in line
    assert line.count(str(path)) == 1


def test_a_bad_variable_is_blamed_also_when_the_file_has_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "poll_seconds = 30\n")
    monkeypatch.setenv("INCIDENT_TUI_POLL_SECONDS", "abc")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    line = str(caught.value)
    assert "environment INCIDENT_TUI_POLL_SECONDS: poll_seconds: " in line
    assert str(path) not in line


def test_a_long_list_of_config_problems_is_counted(tmp_path: Path) -> None:
    path = write(tmp_path, "\n".join(f"unknown_{n} = 1" for n in range(8)))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    line = str(caught.value)
    assert line.count("unknown key") == 5 and line.endswith(" (and 3 more)")


IMS = '[[remotes]]\nname = "ops"\nkind = "aoh_ims"\nbase_url = "https://ims.example.test"\n'
KEYCLOAK = 'token_url = "https://sso.example.test/realms/aoh/protocol/openid-connect/token"\n'


def test_aoh_ims_signs_in_with_a_static_token_or_keycloak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    static = load_settings(write(tmp_path, IMS + 'token_env = "IMS_TOKEN"\n')).remote("ops")
    assert isinstance(static, AohImsRemote) and static.token_url is None
    service = IMS + KEYCLOAK + 'client_id = "incident-tui"\nclient_secret_env = "IMS_SECRET"\n'
    remote = load_settings(write(tmp_path, service)).remote("ops")
    assert isinstance(remote, AohImsRemote) and remote.oidc_grant() == "client_credentials"
    monkeypatch.setenv("IMS_SECRET", "s3cret")
    assert remote.client_secret_value() == "s3cret"
    user = IMS + KEYCLOAK + 'client_id = "aoh-web"\nusername = "ops"\npassword_env = "IMS_PW"\n'
    remote = load_settings(write(tmp_path, user)).remote("ops")
    assert isinstance(remote, AohImsRemote) and remote.oidc_grant() == "password"
    monkeypatch.setenv("IMS_PW", "pw")
    assert remote.password_value() == "pw" and remote.client_secret_value() is None
    assert load_settings(write(tmp_path, IMS)).remote("ops").secret() is None  # checked later


@pytest.mark.parametrize(
    ("keys", "problems"),
    [
        (KEYCLOAK + 'client_secret = "s"\n', ["token_url needs client_id"]),
        (
            KEYCLOAK + 'client_id = "c"\n',
            ["token_url without username signs in with client_credentials, which needs "
             "client_secret or client_secret_env"],
        ),
        (
            KEYCLOAK + 'client_id = "c"\nusername = "ops"\n',
            ["username needs password or password_env (password grant)"],
        ),
        (
            KEYCLOAK + 'client_id = "c"\nclient_secret = "s"\npassword_env = "PW"\n',
            ["password needs username"],
        ),
        (
            'client_id = "c"\nusername = "ops"\npassword = "p"\n',
            ["client_id, username, password need token_url (the Keycloak token endpoint)"],
        ),
        (
            KEYCLOAK + 'token_env = "T"\nclient_id = "c"\nclient_secret = "s"\n',
            ["token/token_env and token_url are two ways to sign in: keep one"],
        ),
        (
            'token_url = "sso.example.test/token"\n',
            ["token_url must start with http:// or https://", "token_url needs client_id",
             "needs client_secret or client_secret_env"],
        ),
    ],
)
def test_incomplete_aoh_ims_sign_in_is_one_clear_line(
    tmp_path: Path, keys: str, problems: list[str]
) -> None:
    path = write(tmp_path, IMS + keys)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(f"{path}: remotes[0] (ops): ")
    for problem in problems:
        assert problem in line
    assert "s3cret" not in line


def test_fourhse_keeps_its_oauth_keys_and_defaults(tmp_path: Path) -> None:
    text = (
        '[[remotes]]\nname = "hse"\nkind = "fourhse"\nbase_url = "https://api.4hse.test"\n'
        'subtenant_id = "office"\nusername = "rspp"\npassword = "pw"\n'
    )
    remote = load_settings(write(tmp_path, text)).remote("hse")
    assert isinstance(remote, FourhseRemote)
    assert remote.client_id == "4hse" and remote.token_url is None
    assert remote.password_value() == "pw" and remote.oidc_grant() == "password"


def test_hosted_services_are_the_default_base_url(tmp_path: Path) -> None:
    text = (
        '[[remotes]]\nname = "hse"\nkind = "fourhse"\nsubtenant_id = "office"\ntoken = "t"\n'
        '[[remotes]]\nname = "status"\nkind = "oneuptime"\nproject_id = "p"\ntoken = "t"\n'
    )
    settings = load_settings(write(tmp_path, text))
    assert settings.remote("hse").base_url == "https://service.4hse.com"
    assert settings.remote("status").base_url == "https://oneuptime.com"
    # Kinds without a hosted service still need one.
    with pytest.raises(ConfigError, match="base_url"):
        load_settings(write(tmp_path, '[[remotes]]\nname = "k"\nkind = "kitehouse"\n'
                                      'site_id = "s"\ntoken = "t"\n'))


def test_a_home_relative_path_in_the_file_or_environment_is_under_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = write(tmp_path, 'download_dir = "~/Downloads/incidents"\ndb = "~/cache/i.db"\n')
    settings = load_settings(path)
    assert settings.downloads() == tmp_path / "home" / "Downloads" / "incidents"
    assert settings.db_path() == tmp_path / "home" / "cache" / "i.db"
    monkeypatch.setenv("INCIDENT_TUI_DOWNLOAD_DIR", "~/elsewhere")
    assert load_settings(path).downloads() == tmp_path / "home" / "elsewhere"


def test_an_empty_variable_is_no_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, 'db = "from-file.db"\n')
    # As INCIDENT_TUI_CONFIG: an empty value leaves the file's value, or the default.
    for name in ("INCIDENT_TUI_DB", "INCIDENT_TUI_POLL_SECONDS", "INCIDENT_TUI_REMOTES"):
        monkeypatch.setenv(name, "")
    settings = load_settings(path)
    assert settings.db_path() == tmp_path / "from-file.db"
    assert settings.poll_seconds == 30 and settings.remotes == []
