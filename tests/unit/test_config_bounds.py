"""Config values that used to pass the checks and fail later, deep in a command (a server
address with no host or an impossible port, a stale limit beyond what dates can hold), and
config errors that named the wrong remote or refused a file only for its byte-order mark:
each is now one config error line from the real command line, naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incident_tui.cli import main
from incident_tui.config import load_settings
from incident_tui.config_error import ConfigError
from incident_tui.config_remotes import AohImsRemote, FourhseRemote

KITEHOUSE = '[[remotes]]\nname = "kh"\nkind = "kitehouse"\nsite_id = "s"\ntoken = "t"\n'
ONEUPTIME = '[[remotes]]\nname = "up"\nkind = "oneuptime"\nproject_id = "p"\ntoken = "t"\n'


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding=encoding)
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit code and error output of the command line."""
    code = main(args)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:99999", "has a bad port: use a number from 1 to 65535"),
        ("http://127.0.0.1:0", "has a bad port"),
        ("http://h:abc", "has a bad port"),
        ("http://", "has no host name"),
        ("https://:8080/api", "has no host name"),
        ("http:///path", "has no host name"),
        ("http://[::1", "is not a valid address"),
        ("http://127.0.0.1 :8080", "has a space or control character in it"),
        ("http://ims.example.test\\t/api", "has a space or control character in it"),
        ("http://h/x?y=1", "has a ?query, but the paths of the API go after it"),
        ("http://h/x#top", "has a #fragment, which no server is sent"),
        # Both ended each sync in "internal error: InvalidURL".
        ("http://über-.example", "is not a valid address (Invalid IDNA hostname: "),
        ("https://☃.example:8443/api", "is not a valid address (Invalid IDNA hostname: "),
    ],
)
def test_a_base_url_without_host_or_with_a_bad_port_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, problem: str
) -> None:
    path = write(tmp_path, KITEHOUSE + f'base_url = "{url}"\n')
    code, err = run(["--config", str(path), "--db", str(tmp_path / "c.db"), "sync", "--once"],
                    capsys)
    assert code == 1
    assert err.count("\n") == 1
    assert f"{path}: remotes[0] (kh).base_url: {problem}" in err
    assert "internal error" not in err and "cannot connect" not in err


@pytest.mark.parametrize("url", ["http://ann:s3cr3t@127.0.0.1:9", "http://s3cr3t@127.0.0.1:9",
                                 "https://ann:s3cr3t@[::1]:9/api"])
def test_a_base_url_with_a_user_and_password_is_refused_without_showing_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    # Loaded, each error of the remote printed the address whole ("cannot connect to
    # http://ann:s3cr3t@..."), and the client sent them as Basic sign-in in place of the token.
    path = write(tmp_path, KITEHOUSE + f'base_url = "{url}"\n')
    code, err = run(["--config", str(path), "--db", str(tmp_path / "c.db"), "sync", "--once"],
                    capsys)
    assert code == 1
    assert err == (
        f"incident-tui: {path}: remotes[0] (kh).base_url: has a user name or password in it "
        "(user:password@host), which would be sent in place of the token and shown in "
        "messages: leave it out and give the credentials in their own keys\n"
    )
    assert "s3cr3t" not in err


def test_a_token_url_with_a_user_and_password_is_refused_too(tmp_path: Path) -> None:
    path = write(tmp_path, (
        '[[remotes]]\nname = "ops"\nkind = "aoh_ims"\nbase_url = "https://ims.example.test"\n'
        'token_url = "https://svc:s3cr3t@sso.example.test/token"\nclient_id = "c"\n'
        'client_secret = "s"\n'
    ))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "remotes[0] (ops): token_url has a user name or password in it" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


FOURHSE_SIGN_IN = (
    '[[remotes]]\nname = "hse"\nkind = "fourhse"\ntenant_id = "t"\nusername = "u"\n'
    'password = "p"\n'
)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://svc:s3cr3t@sso.example.test/token", "has a user name or password in it"),
        # Posted to the API's own address as a path, the sign-in failed as the API's 503.
        ("sso.example.test/token", "must start with http:// or https://"),
        ("ftp://sso.example.test/token", "must start with http:// or https://"),
        # Both ended each sync in "internal error: InvalidURL".
        ("http://[::1", "is not a valid address"),
        ("http://über-.example/token", "is not a valid address (Invalid IDNA hostname: "),
    ],
)
def test_a_bad_fourhse_token_url_is_a_config_error_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, problem: str
) -> None:
    # Only AOH IMS's was checked: 4HSE's loaded, and sync --once printed "4HSE sign-in at
    # https://svc:s3cr3t@sso.example.test/token answered HTTP 503", password and all.
    path = write(tmp_path, FOURHSE_SIGN_IN + f'token_url = "{url}"\n')
    code, err = run(["--config", str(path), "--db", str(tmp_path / "c.db"), "sync", "--once"],
                    capsys)
    assert code == 1
    assert err.count("\n") == 1
    assert f"{path}: remotes[0] (hse): token_url {problem}" in err
    assert "s3cr3t" not in err and "internal error" not in err


def test_a_bad_token_url_is_named_too(tmp_path: Path) -> None:
    path = write(tmp_path, (
        '[[remotes]]\nname = "ops"\nkind = "aoh_ims"\nbase_url = "https://ims.example.test"\n'
        'token_url = "https://sso.example.test:70000/token"\nclient_id = "c"\n'
        'client_secret = "s"\n'
    ))
    with pytest.raises(ConfigError, match=r"remotes\[0\] \(ops\): token_url has a bad port"):
        load_settings(path)


@pytest.mark.parametrize("url", ["http://127.0.0.1:65535", "https://[::1]:8443/api", "http://h",
                                 "https://bücher.example:8443/api"])
def test_good_base_urls_still_pass(tmp_path: Path, url: str) -> None:
    settings = load_settings(write(tmp_path, KITEHOUSE + f'base_url = "{url}/"\n'))
    assert settings.remote("kh").base_url == url


@pytest.mark.parametrize(
    ("url", "kept"),
    [("HTTP://127.0.0.1:9/", "http://127.0.0.1:9"), ("Https://Ims.Example.test/api",
                                                      "https://Ims.Example.test/api")],
)
def test_a_scheme_in_any_case_loads_in_lower_case(tmp_path: Path, url: str, kept: str) -> None:
    # Schemes are case-insensitive: HTTP://host was refused as not starting with http://.
    # Kept in lower case, every check of the scheme after the config reads it right.
    path = write(tmp_path, (
        f'[[remotes]]\nname = "ops"\nkind = "aoh_ims"\nbase_url = "{url}"\n'
        'token_url = "HTTPS://sso.example.test/token"\nclient_id = "c"\nclient_secret = "s"\n'
    ))
    remote = load_settings(path).remote("ops")
    assert isinstance(remote, AohImsRemote)
    assert (remote.base_url, remote.token_url) == (kept, "https://sso.example.test/token")
    hse = load_settings(write(tmp_path, (
        '[[remotes]]\nname = "hse"\nkind = "fourhse"\ntenant_id = "t"\nusername = "u"\n'
        'password = "p"\ntoken_url = "hTTps://sso.example.test/t"\n'
    ))).remote("hse")
    assert isinstance(hse, FourhseRemote) and hse.token_url == "https://sso.example.test/t"


@pytest.mark.parametrize("hours", ["1e8", "1e20", "inf", "nan"])
def test_a_huge_stale_hours_is_a_config_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    hours: str,
) -> None:
    db = str(tmp_path / "c.db")
    monkeypatch.setenv("INCIDENT_TUI_STALE_HOURS", hours)
    code, err = run(["--db", db, "handover"], capsys)
    assert code == 1
    assert err.startswith("incident-tui: environment INCIDENT_TUI_STALE_HOURS: stale_hours: ")
    assert "Traceback" not in err and err.count("\n") == 1
    monkeypatch.delenv("INCIDENT_TUI_STALE_HOURS")
    if hours in ("1e8", "1e20"):
        path = write(tmp_path, f"stale_hours = {hours}\n")
        code, err = run(["--config", str(path), "--db", db, "handover"], capsys)
        assert code == 1
        assert f"{path}: stale_hours: Input should be less than or equal to 8784" in err


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("poll_seconds = inf\n", "poll_seconds"),
        ("poll_seconds = nan\n", "poll_seconds"),
        (KITEHOUSE + 'base_url = "http://h"\nmax_rate = inf\n', "remotes[0] (kh).max_rate"),
        (KITEHOUSE + 'base_url = "http://h"\ntimeout = inf\n', "remotes[0] (kh).timeout"),
        (KITEHOUSE + 'base_url = "http://h"\ntimeout = nan\n', "remotes[0] (kh).timeout"),
    ],
)
def test_an_infinite_or_nan_number_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, key: str
) -> None:
    # max_rate = inf ended every pass in "internal error: OverflowError"; poll_seconds =
    # inf synced once and never again.
    path = write(tmp_path, text)
    code, err = run(["--config", str(path), "--db", str(tmp_path / "c.db"), "sync", "--once"],
                    capsys)
    assert code == 1
    assert err == f"incident-tui: {path}: {key}: Input should be a finite number\n"


@pytest.mark.parametrize(
    ("table", "rate"), [(KITEHOUSE, "1e-300"), (ONEUPTIME, "0.01"), (KITEHOUSE, "0.0166")]
)
def test_a_max_rate_below_one_request_a_minute_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, rate: str
) -> None:
    # Each request waits 1 / max_rate seconds after the one before: max_rate = 1e-300 held
    # sync --once after its first request for good, with only "syncing…" shown.
    path = write(tmp_path, table + f'base_url = "http://127.0.0.1:9"\nmax_rate = {rate}\n')
    code, err = run(["--config", str(path), "--db", str(tmp_path / "c.db"), "sync", "--once"],
                    capsys)
    name = "kh" if table == KITEHOUSE else "up"
    assert code == 1
    assert err == (
        f"incident-tui: {path}: remotes[0] ({name}).max_rate: must be 0 for no limit, or at "
        "least one request a minute (0.017): slower, a sync pass would be held for hours\n"
    )


@pytest.mark.parametrize("rate", ["0", "0.017", "0.5", "100"])
def test_no_limit_and_a_rate_of_a_request_a_minute_or_more_load(
    tmp_path: Path, rate: str
) -> None:
    path = write(tmp_path, ONEUPTIME + f'base_url = "http://h"\nmax_rate = {rate}\n')
    assert load_settings(path).remotes[0].max_rate == float(rate)


def test_a_year_of_stale_hours_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INCIDENT_TUI_STALE_HOURS", "8784")
    code, _ = run(["--db", str(tmp_path / "c.db"), "handover"], capsys)
    assert code == 0


def test_an_environment_remote_error_names_the_environment_remote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, KITEHOUSE + 'base_url = "http://h"\n')
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([{"name": "x", "kind": "kitehouse"}]))
    code, err = run(["--config", str(path), "--db", str(tmp_path / "c.db"), "list"], capsys)
    assert code == 1
    assert "environment INCIDENT_TUI_REMOTES: remotes[0] (x).base_url: required key" in err
    assert "(kh)" not in err


def test_a_file_error_still_names_the_file_remote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, KITEHOUSE + 'base_url = "ftp://h"\n')
    monkeypatch.setenv("INCIDENT_TUI_POLL_SECONDS", "0")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert f"{path}: remotes[0] (kh).base_url: must start with http" in str(caught.value)
    assert "environment INCIDENT_TUI_POLL_SECONDS: poll_seconds:" in str(caught.value)


def test_an_error_in_a_nested_variable_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCIDENT_TUI_KEYS__bogus", "ctrl+a")
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, "poll_seconds = 20\n"))
    assert "environment INCIDENT_TUI_KEYS__bogus: keys: 'bogus' is not a binding id" in str(
        caught.value
    )
    # Merged into the file's own keys: both are named.
    path = write(tmp_path, '[keys]\nsync = "r"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert f"{path} with environment INCIDENT_TUI_KEYS__bogus: keys: 'bogus'" in str(
        caught.value
    )


def test_a_config_file_with_a_byte_order_mark_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, 'theme = "incident-light"\npoll_seconds = 20\n', encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    settings = load_settings(path)
    assert settings.theme == "incident-light" and settings.poll_seconds == 20
    code, err = run(["--config", str(path), "--db", str(tmp_path / "c.db"), "list"], capsys)
    # Read without a problem; it names no remote, which an empty cache's list says.
    assert code == 0 and err.startswith(f"incident-tui: the cache is empty: no remotes are "
                                        f"configured in {path} ")
