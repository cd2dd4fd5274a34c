"""Paths in the settings: ``~`` is the home folder wherever a path is given, a relative path in
the config file is beside that file, and one given by flag or variable is relative to the
working folder, where it was typed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incident_tui import startup
from incident_tui.cli import build_parser, main
from incident_tui.config import load_settings
from incident_tui.config_error import ConfigError
from incident_tui.startup import StartView
from tests.conftest import make_incident
from tests.unit.test_cli_outside import build, one_line_error


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of the test's own."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """Two working folders to run from."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    return a, b


def test_a_relative_path_in_the_file_is_beside_the_file_from_any_folder(
    tmp_path: Path, folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "conf" / "config.toml"
    config.parent.mkdir()
    config.write_text('db = "cache/incidents.db"\ndownload_dir = "./saved"\n')
    for folder in folders:
        monkeypatch.chdir(folder)
        settings = load_settings(config)
        assert settings.db_path() == tmp_path / "conf" / "cache" / "incidents.db"
        assert settings.downloads() == tmp_path / "conf" / "saved"
    # Named relative to the working folder, the file is still the anchor of its paths.
    monkeypatch.chdir(tmp_path)
    assert load_settings(Path("conf/config.toml")).db_path() == (
        tmp_path / "conf" / "cache" / "incidents.db"
    )


def test_a_relative_path_from_a_flag_or_variable_follows_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "conf" / "config.toml"
    config.parent.mkdir()
    config.write_text('db = "cache/incidents.db"\n')
    monkeypatch.setenv("INCIDENT_TUI_DB", "from-env.db")
    monkeypatch.setenv("INCIDENT_TUI_DOWNLOAD_DIR", "saved")
    settings = load_settings(config)
    assert settings.db_path() == Path("from-env.db") and settings.downloads() == Path("saved")
    assert load_settings(config, {"db": Path("flag.db")}).db_path() == Path("flag.db")


def test_home_is_expanded_in_the_config_file_name_from_every_source(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "it.toml").write_text('theme = "incident-light"\ndb = "~/c.db"\n')
    build(home / "c.db", [make_incident(1, title="in the home cache")])
    monkeypatch.setenv("INCIDENT_TUI_CONFIG", "~/it.toml")
    settings = load_settings()
    assert settings.config == home / "it.toml" and settings.theme == "incident-light"
    monkeypatch.delenv("INCIDENT_TUI_CONFIG")
    # The shell leaves "~" alone after "=".
    assert main(["list", "--json", "--config=~/it.toml"]) == 0
    assert [row["title"] for row in json.loads(capsys.readouterr().out)] == ["in the home cache"]
    assert main(["list", "--json", "--config=~/absent.toml"]) == 1
    assert f"{home / 'absent.toml'}: no such config file" in one_line_error(
        capsys.readouterr().err
    )
    parsed = build_parser().parse_args(["--db=~/d.db", "export-pdf", "x:1", "--to=~/out"])
    assert parsed.db == home / "d.db" and parsed.to == home / "out"


def test_a_home_no_one_has_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('db = "~no-such-user-here/c.db"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert "db: ~no-such-user-here/c.db: no home folder is known for ~no-such-user-here" in (
        str(caught.value)
    )


def test_one_config_is_one_cache_from_every_working_folder(
    tmp_path: Path, folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('db = "cache/incidents.db"\n')
    (tmp_path / "cache").mkdir()
    build(tmp_path / "cache" / "incidents.db", [make_incident(1, title="one cache")])
    for folder in folders:
        monkeypatch.chdir(folder)
        assert main(["list", "--json", "--config", str(config)]) == 0
        assert [row["title"] for row in json.loads(capsys.readouterr().out)] == ["one cache"]
        assert not (folder / "cache").exists()


def test_the_start_view_remembers_the_cache_path_absolute(
    tmp_path: Path, folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('db = "cache/incidents.db"\n')
    a, _ = folders
    monkeypatch.chdir(a)
    assert StartView.of(load_settings(config)).db == tmp_path / "cache" / "incidents.db"
    settings = load_settings(config, {"db": Path("typed.db")})
    key = startup.fingerprint(config, {"db": Path("typed.db")})
    startup.remember(key, StartView.of(settings))
    view = startup.recall(key)
    assert view is not None and view.db == a / "typed.db"


@pytest.fixture
def homeless(monkeypatch: pytest.MonkeyPatch) -> None:
    """No home folder can be found, as for a container run under a user id the password
    file does not have, with HOME unset; nor XDG folders to do without it."""
    import pwd

    def unknown(uid: int) -> pwd.struct_passwd:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", unknown)
    for variable in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(variable, raising=False)


def test_without_a_home_folder_named_files_still_work(
    homeless: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('download_dir = "saved"\n')
    db = tmp_path / "incidents.db"
    build(db, [make_incident(1, title="found without a home")])
    assert main(["--config", str(config), "--db", str(db), "list", "--json"]) == 0
    out, err = capsys.readouterr()
    assert [row["title"] for row in json.loads(out)] == ["found without a home"] and err == ""
    # The TUI's remembered first screen is a speed-up only: without a place for it, none.
    key = startup.fingerprint(config, {"db": db})
    startup.remember(key, StartView.of(load_settings(config, {"db": db})))
    assert startup.recall(key) is None


def test_without_a_home_folder_a_default_path_says_what_to_give(
    homeless: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["list"]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert line == (
        "incident-tui: cannot tell your home folder, where the config file is looked for by "
        "default (HOME is not set, and your user id has no entry in the password file): set "
        "HOME, or give --config or INCIDENT_TUI_CONFIG (or XDG_CONFIG_HOME)"
    )
    config = tmp_path / "config.toml"
    config.write_text("")
    assert main(["--config", str(config), "list"]) == 1
    assert one_line_error(capsys.readouterr().err).endswith(
        "where the cache is kept by default (HOME is not set, and your user id has no entry "
        "in the password file): set HOME, or give --db or INCIDENT_TUI_DB (or XDG_DATA_HOME)"
    )
    with pytest.raises(ConfigError) as refused:
        load_settings(config, {"db": tmp_path / "incidents.db"}).downloads()
    assert str(refused.value).endswith(
        "where downloads are saved by default (HOME is not set, and your user id has no entry "
        "in the password file): set HOME, or give download_dir in the config or "
        "INCIDENT_TUI_DOWNLOAD_DIR"
    )


@pytest.mark.parametrize(
    ("text", "default"),
    [('db = ""', "the default cache"), ('download_dir = " "', "the default folder")],
)
def test_an_empty_path_in_the_file_is_refused_saying_to_leave_the_key_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, default: str
) -> None:
    # db = "" was the working folder, refused as "a folder, not a cache file; give --db ...",
    # a flag never given; download_dir = "" saved into whatever folder a command ran in.
    config = tmp_path / "config.toml"
    config.write_text(text + "\n")
    key = text.split()[0]
    assert main(["--config", str(config), "list"]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        f"incident-tui: {config}: {key}: is empty, which names no file or folder: leave {key} "
        f"out for {default}"
    )


def test_an_empty_path_in_a_variable_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty variable is no setting (the default cache); a blank one names no file either.
    monkeypatch.setenv("INCIDENT_TUI_DB", " ")
    (tmp_path / "config.toml").write_text("")
    with pytest.raises(ConfigError) as refused:
        load_settings(tmp_path / "config.toml")
    assert str(refused.value) == (
        "environment INCIDENT_TUI_DB: db: is empty, which names no file or folder: leave db "
        "out for the default cache"
    )


def test_a_blank_config_variable_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Read as the file's name: "incident-tui:  : no such config file".
    monkeypatch.setenv("INCIDENT_TUI_CONFIG", " ")
    assert main(["list"]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        "incident-tui: environment INCIDENT_TUI_CONFIG: is blank, which names no file: unset "
        "it for the default config file"
    )


@pytest.mark.parametrize(
    ("argv", "flag", "default"),
    [
        (["--db", "", "list"], "--db", "the default cache"),
        (["list", "--db="], "--db", "the default cache"),
        (["--config", " ", "sync", "--once"], "--config", "the default config file"),
        (["download", "x:1", "a.txt", "--to", ""], "--to", "download_dir"),
    ],
)
def test_an_empty_path_flag_is_wrong_usage_naming_the_flag(
    capsys: pytest.CaptureFixture[str], argv: list[str], flag: str, default: str
) -> None:
    # --db "" was the working folder, refused only as "a folder, not a cache file".
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].endswith(
        f"error: argument {flag}: an empty path names no file or folder: leave {flag} out "
        f"for {default}"
    )
    assert "is a folder" not in err


def test_an_empty_file_to_attach_is_wrong_usage(capsys: pytest.CaptureFixture[str]) -> None:
    # Path("") is the working folder: refused as ". is a folder", a path never typed.
    with pytest.raises(SystemExit) as stopped:
        main(["attach", "x:1", ""])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].endswith(
        "error: argument file: an empty path names no file: give the file to upload"
    )
    assert "is a folder" not in err
