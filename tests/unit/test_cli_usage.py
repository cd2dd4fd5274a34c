"""Wrong usage of the command line: exit status 2 and a line saying what is wrong, before
anything starts, with the usage of the command it came with; a port that is taken is a
failure (1) named in one line."""

from __future__ import annotations

import argparse
import socket

import pytest

from incident_tui.cli import build_parser, main
from tests.child_lines import ChildLines


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["demo", "--sample", "-1"], "argument --sample: want a whole number of 0 or more"),
        (["emulate", "revily", "--sample", "many"], "want a whole number of 0 or more, not 'many'"),
        (["emulate", "revily", "--port", "70000"], "want a port from 0 to 65535, not '70000'"),
        (["list", "--limit", "-2"], "argument --limit: want a whole number of 0 or more"),
        # Past what SQLite stores: before, a traceback (OverflowError) from the query.
        (
            ["list", "--limit", "99999999999999999999999"],
            "argument --limit: want a whole number of 9,223,372,036,854,775,807 at most",
        ),
        (["discard", "99999999999999999999999"], "argument seq: want a whole number of 9,2"),
        (["retry", "0"], "argument seq: want a whole number of 1 or more, not '0'"),
        (["demo", "--sample", "5000000"], "want a whole number of 1,000,000 at most"),
        (
            ["list", "--status", "triggered,bogus"],
            "argument --status: unknown 'bogus' (want triggered, acknowledged, resolved)",
        ),
        (
            ["list", "--severity", "nope"],
            "argument --severity: unknown 'nope' (want critical, major, minor, none)",
        ),
        # A script's unset variable: taken as no filter, it listed or synced everything.
        (["list", "--remote", ""], "argument --remote: '' names nothing: give one or more"),
        (["list", "--remote", "school", "--remote", " , "], "argument --remote: ' , ' names"),
        (["list", "--status", ","], "argument --status: ',' names nothing"),
        (["list", "--severity", ""], "argument --severity: '' names nothing"),
        (["sync", "--once", "--remote", ""], "argument --remote: '' names nothing"),
        # Python reads these as 120, 12 and 1000; no one types them as a number here.
        (["handover", "--hours", "12_0"], "hours must be a positive number, not '12_0'"),
        (["handover", "--hours", "１２"], "hours must be a positive number, not '１２'"),
        (["list", "--limit", "1_000"], "want a whole number of 0 or more, not '1_000'"),
        (["emulate", "revily", "--port", "٨٠٨٠"], "want a port from 0 to 65535, not '٨٠٨٠'"),
        # Past the 4,300 digits int() reads, argparse said 'invalid whole value'.
        (["list", "--limit", "9" * 4301], "want a whole number of 9,223,372,036,854,775,807 at"),
        (["list", "--limit", "-" + "9" * 4301], "want a whole number of 0 or more, not '-999"),
    ],
)
def test_bad_numbers_and_words_are_wrong_usage(
    argv: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith(f"incident-tui {argv[0]}: error: ") and reason in last


@pytest.mark.parametrize(
    ("argv", "usage", "error"),
    [
        (["list", "--sevrity", "major"], "usage: incident-tui list ",
         "incident-tui list: error: unrecognized arguments: --sevrity major"),
        (["download", "x:1", "a.pdf", "-o", "out"], "usage: incident-tui download ",
         "incident-tui download: error: unrecognized arguments: -o out"),
        (["--bogus"], "usage: incident-tui [-h]",
         "incident-tui: error: unrecognized arguments: --bogus"),
    ],
)
def test_an_unknown_option_shows_the_usage_of_its_command(
    argv: list[str], usage: str, error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The top level's usage lists the commands and none of their options.
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage) and err.splitlines()[-1] == error


def test_a_taken_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["emulate", "revily", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"incident-tui: cannot listen on 127.0.0.1:{port}: ")
    assert len(err.splitlines()) == 1


def test_every_command_and_argument_says_what_it_is_for() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helped = {choice.dest for choice in commands._choices_actions if choice.help}
    assert helped == set(commands.choices)
    for name, command in [("incident-tui", parser), *commands.choices.items()]:
        for action in command._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            assert action.help, f"{name} {action.option_strings or action.dest}: no help text"


def test_an_unknown_emulator_option_names_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["emulate", "revily", "--option", "pages=3"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("incident-tui: the revily emulator has no option 'pages' (known: ")
    assert "per_page" in err and len(err.splitlines()) == 1
    assert main(["emulate", "revily", "--option", "per_page=many"]) == 1
    assert "per_page=many" in capsys.readouterr().err


def test_an_emulator_option_switches_on_a_documented_mode() -> None:
    import subprocess
    import sys

    import httpx

    process = subprocess.Popen(
        [sys.executable, "-m", "incident_tui", "emulate", "revily", "--sample", "5",
         "--option", "per_page=2"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = ChildLines(process.stdout, "incident-tui emulate")
        # "revily emulator on http://...:N (5 sample ...", then the [[remotes]] table.
        first = lines.wait_for(lambda line: " on http://" in line, 30, "the address line")
        url = first.split(" on ", 1)[1].split(" ", 1)[0]
        token_line = lines.wait_for(lambda line: line.startswith("token = "), 30, "the token")
        token = token_line.strip().partition(" = ")[2].strip('"')
        response = httpx.get(
            f"{url}/incidents", params={"page": 1},
            headers={"Authorization": f'Token token="{token}"'},
        )  # fmt: skip
        # Two rows a page, and the headers that say so (contract section 6, opt-in mode).
        assert len(response.json()) == 2 and response.headers["Total"] == "5"
        assert 'rel="next"' in response.headers["Link"]
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize(
    ("argv", "wanted"),
    [
        (
            ["list", "--help"],
            [
                "--config CONFIG config file (default: $INCIDENT_TUI_CONFIG, else "
                "$XDG_CONFIG_HOME/incident-tui/config.toml)",
                "--db DB local cache file (default: $INCIDENT_TUI_DB, else db in the config, "
                "else $XDG_DATA_HOME/incident-tui/incidents.db)",
            ],
        ),
        (["--help"], ["(default: $INCIDENT_TUI_CONFIG, else", "(default: $INCIDENT_TUI_DB, else"]),
        (["handover", "--help"], ["how far back, in hours (default 12, at most 8784)"]),
        (["show", "--help"], ["cannot be reached or does not answer within 10 s"]),
    ],
)
def test_help_names_the_defaults_the_code_uses(
    argv: list[str], wanted: list[str], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "XDG config" named neither the variable that comes first nor the file's path.
    monkeypatch.setenv("COLUMNS", "300")
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in wanted:
        assert words in text


@pytest.mark.parametrize(
    ("argv", "theme"),
    [
        (["demo", "--theme", "incident-light"], "incident-light"),  # was an unknown argument
        (["--theme", "incident-light", "demo"], "incident-light"),
        (["--theme", "incident-dark", "demo", "--theme", "incident-light"], "incident-light"),
        (["tui", "--theme", "incident-light"], "incident-light"),
        (["--theme", "incident-light", "tui"], "incident-light"),
        (["demo"], None),
    ],
)
def test_the_theme_goes_before_or_after_the_command_that_opens_the_tui(
    argv: list[str], theme: str | None
) -> None:
    assert build_parser().parse_args(argv).theme == theme
