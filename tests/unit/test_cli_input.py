"""What the command line does with the input it is given, through :func:`incident_tui.cli.main`
(and, for raw bytes, the installed program in a subprocess) over real SQLite caches:

- status commands print what they queued and a stderr line per incident left alone, exit 1
  only when one was refused;
- an id given twice counts once;
- text that is not UTF-8 is one line naming where it came from, nothing queued;
- ``handover --hours`` has an upper bound;
- ``create --severity`` on a kind without severity is refused;
- what a kind cannot do (4HSE comments, files; deleting OneUptime's files) is refused naming
  the kind as the TUI does;
- ``attach`` of a folder, a pipe or a device says which it is, and queues nothing;
- the ``list`` table fits the terminal by display width (CJK, emoji);
- each command's ``--help`` says what it does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from incident_tui import output
from incident_tui.cli import build_parser, main
from incident_tui.clock import fixed_clock
from incident_tui.domain.model import Attachment, Incident, Status
from incident_tui.domain.query import ListQuery
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.store.actions import Actions
from incident_tui.store.engine import session
from incident_tui.store.reader import Reader
from incident_tui.store.upsert import upsert_incidents
from tests.conftest import NOW, make_incident, write_private

REPO = Path(__file__).resolve().parents[2]


def build(path: Path, incidents: list[Incident]) -> Path:
    """A cache file holding ``incidents``."""
    actions = Actions.open(path, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, incidents, NOW)
    actions.engine.dispose()
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """ops:r1 triggered, ops:r2 acknowledged, ops:r3 resolved."""
    return build(
        tmp_path / "c.db",
        [
            make_incident(1, status=Status.TRIGGERED),
            make_incident(2, status=Status.ACKNOWLEDGED),
            make_incident(3, status=Status.RESOLVED),
        ],
    )


def outbox(db: Path) -> list[tuple[str, str]]:
    return [(c["incident_id"], c["op"]) for c in Reader.open(db).outbox()]


def revily_config(tmp_path: Path, server: EmulatorServer) -> list[str]:
    """``--config`` and ``--db`` for a config with one Revily remote "oncall" on ``server``."""
    token = server.emulator.remote_config("oncall")["token"]
    config = write_private(
        tmp_path / "config.toml",
        f'[[remotes]]\nname = "oncall"\nkind = "revily"\nbase_url = "{server.url}"\n'
        f'token = "{token}"\n',
    )
    return ["--config", str(config), "--db", str(tmp_path / "c.db")]


# 1. status changes from the current status -------------------------------------------------


def test_ack_of_a_resolved_incident_is_refused_with_how_to_reopen(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db), "ack", "ops:r3"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "incident-tui: ops:r3 is resolved; reopen it first "
        "(incident-tui reopen ops:r3)\n"
    )
    assert outbox(db) == []


def test_ack_of_a_resolved_incident_where_resolved_is_final_offers_no_reopen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = build(
        tmp_path / "c.db",
        [make_incident(4, remote="oncall", kind="revily", status=Status.RESOLVED)],
    )
    assert main(["--db", str(db), "ack", "oncall:r4"]) == 1
    assert capsys.readouterr() == (
        "",
        "incident-tui: oncall:r4 is resolved, which is final on Revily (it cannot reopen "
        "an incident); nothing to acknowledge\n",
    )
    assert outbox(db) == []


def test_ack_help_says_where_a_resolved_incident_cannot_be_reopened(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["ack", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "reopen it first, except on Revily, where resolved is final" in help_text


@pytest.mark.parametrize(
    ("command", "incident_id", "note"),
    [
        ("ack", "ops:r2", "ops:r2 is already acknowledged; nothing queued"),
        ("resolve", "ops:r3", "ops:r3 is already resolved; nothing queued"),
        ("reopen", "ops:r1", "ops:r1 is not resolved (triggered); nothing to reopen"),
    ],
)
def test_a_change_to_the_state_it_has_is_no_error_and_queues_nothing(
    db: Path, command: str, incident_id: str, note: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db), command, incident_id]) == 0
    assert capsys.readouterr() == ("", f"incident-tui: {note}\n")
    assert outbox(db) == []


def test_several_ids_queue_what_applies_and_report_each_of_the_others(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db), "ack", "ops:r1", "ops:r2", "ops:r3"]) == 1
    out, err = capsys.readouterr()
    assert out == "queued: acknowledge ops:r1 (change 1)\n"
    assert err.splitlines() == [
        "incident-tui: ops:r2 is already acknowledged; nothing queued",
        "incident-tui: ops:r3 is resolved; reopen it first "
        "(incident-tui reopen ops:r3)",
    ]
    assert outbox(db) == [("ops:r1", "acknowledge")]
    # Without a refusal it is a success, and the output is as it always was.
    assert main(["--db", str(db), "resolve", "ops:r2", "ops:r3", "ops:r1"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "queued: resolve ops:r2 (change 2)",
        "queued: resolve ops:r1 (change 3)",
    ]
    assert err == "incident-tui: ops:r3 is already resolved; nothing queued\n"


# 3. an id given twice -----------------------------------------------------------------------


def test_delete_of_the_same_id_twice_deletes_it_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with EmulatorServer(make_emulator("revily", sample=0)) as server:
        incident = server.emulator.add("Disk full")  # type: ignore[attr-defined]
        where = revily_config(tmp_path, server)
        assert main([*where, "sync", "--once"]) == 0
        capsys.readouterr()
        incident_id = f"oncall:{incident['id']}"
        assert main([*where, "delete", incident_id, incident_id, "--yes"]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        assert [line for line in out.splitlines() if line.startswith("queued:")] == [
            f"queued: delete {incident_id} (change 1)"
        ]
        assert main([*where, "ack", incident_id, "ops:x", "ops:x"]) == 1  # gone locally
        assert main([*where, "sync", "--once"]) == 0
        assert incident["id"] not in server.emulator.incidents  # type: ignore[attr-defined]


def test_ack_of_the_same_id_twice_prints_it_once(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db), "ack", "ops:r1", "ops:r1"]) == 0
    assert capsys.readouterr() == ("queued: acknowledge ops:r1 (change 1)\n", "")


# 4. text that is not UTF-8 ------------------------------------------------------------------


def run(
    args: list[str | bytes], stdin: bytes = b"", **env: str
) -> subprocess.CompletedProcess[str]:
    """The program in a subprocess with raw bytes for arguments and stdin, as a terminal in
    another encoding would pass them."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), **env}
    process = subprocess.run(
        [sys.executable, "-m", "incident_tui", *args],
        input=stdin,
        capture_output=True,
        env=environment,
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        process.args,
        process.returncode,
        process.stdout.decode("utf-8", "replace"),
        process.stderr.decode("utf-8", "replace"),
    )


def test_an_argument_that_is_not_utf8_is_one_line_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[remotes]]\nname = "ops"\nkind = "aoh_ims"\nbase_url = "http://127.0.0.1:9"\n'
        'token = "t"\n',
        encoding="utf-8",
    )
    db = build(tmp_path / "c.db", [make_incident(1)])
    where: list[str | bytes] = ["--config", str(config), "--db", str(db)]
    done = run([*where, "create", "--remote", "ops", "--title", b"caf\xe9"])
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "incident-tui: argument --title is not valid UTF-8 text; check the terminal's or the "
        "script's encoding\n"
    )
    assert Reader.open(db).count(ListQuery()) == 1 and outbox(db) == []


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["list", "--search", "caf\udce9"], "--search"),
        (["show", "x:\udce9"], "ID"),
        (["ack", "ops:r1", "ops:\udce9"], "ID"),
        (["comment", "ops:r1", "-m", "caf\udce9"], "--message"),
        (["create", "--remote", "ops", "--title", "caf\udce9"], "--title"),
    ],
)
def test_every_argument_is_checked_before_anything_runs(
    db: Path, argv: list[str], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Python hands undecodable argv bytes over as lone surrogates ('\udce9' for b'\xe9').
    assert main(["--db", str(db), *argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"incident-tui: argument {name} is not valid UTF-8 text; check the terminal's or the "
        "script's encoding"
    ]
    assert outbox(db) == []


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_stdin_that_is_not_utf8_is_one_line(db: Path, locale: str) -> None:
    # A UTF-8 locale decodes stdin strictly; the C locale lets bad bytes through as surrogates.
    done = run(["--db", str(db), "comment", "ops:r1", "-m", "-"], b"caf\xe9", LC_ALL=locale)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "incident-tui: the comment read from standard input is not valid UTF-8 text\n"
    )
    assert outbox(db) == []
    good = run(["--db", str(db), "comment", "ops:r1", "-m", "-"], "café".encode(), LC_ALL=locale)
    assert good.returncode == 0, good.stderr
    assert outbox(db) == [("ops:r1", "comment")]


# 5. handover --hours has a bound ------------------------------------------------------------


@pytest.mark.parametrize("hours", ["2e7", "1e300", "8785"])
def test_handover_hours_beyond_a_year_is_wrong_usage(
    hours: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["handover", "--hours", hours])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        f"incident-tui handover: error: argument --hours: hours must be at most 8784 (a year), "
        f"not '{hours}'"
    )


def test_handover_of_a_whole_year_works(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(db), "handover", "--hours", "8784", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["hours"] == 8784


# 6. create --severity where there is none ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "title", "extra"),
    [("revily", "Revily", ""), ("fourhse", "4HSE", 'tenant_id = "p1"\nsubtenant_id = "o1"\n')],
)
def test_create_with_a_severity_on_a_kind_without_one_is_refused(
    tmp_path: Path, kind: str, title: str, extra: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_private(
        tmp_path / "config.toml",
        f'[[remotes]]\nname = "there"\nkind = "{kind}"\nbase_url = "http://127.0.0.1:9"\n'
        f'token = "t"\n{extra}',
    )
    where = ["--config", str(config), "--db", str(tmp_path / "c.db")]
    argv = [*where, "create", "--remote", "there", "--title", "Disk full"]
    assert main([*argv, "--severity", "critical"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"incident-tui: {title} incidents have no severity; create it without one\n"
    assert main([*where, "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(argv) == 0  # without it, queued as before


# 6b. attach only a regular file --------------------------------------------------------------


def test_what_a_kind_cannot_do_is_refused_in_the_tui_s_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = build(tmp_path / "c.db", [make_incident(5, remote="plant", kind="fourhse")])
    evidence = tmp_path / "notes.txt"
    evidence.write_text("seen", encoding="utf-8")
    for argv, reason in [
        (["comment", "plant:r5", "-m", "on it"], "4HSE incidents take no comments."),
        # Not "has no comment #1": no number would do.
        (["delete-comment", "plant:r5", "1", "--yes"], "4HSE does not let comments be deleted."),
        (["attach", "plant:r5", str(evidence)], "4HSE does not let files be attached."),
        (
            ["delete-attachment", "plant:r5", "x", "--yes"],
            "4HSE does not let attachments be deleted.",
        ),
    ]:
        assert main(["--db", str(db), *argv]) == 1
        assert capsys.readouterr() == ("", f"incident-tui: {reason}\n")
    assert outbox(db) == []


def test_oneuptime_files_are_listed_but_neither_added_nor_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # OneUptime incidents do have files (postmortems): the refusal must not deny they exist.
    incident = make_incident(7, remote="status", kind="oneuptime")
    incident.attachments = [Attachment("f1", "INC-7-postmortem.md", "text/markdown")]
    db = build(tmp_path / "c.db", [incident])
    assert main(["--db", str(db), "show", "status:r7"]) == 0
    assert "INC-7-postmortem.md" in capsys.readouterr().out
    evidence = tmp_path / "notes.txt"
    evidence.write_text("seen", encoding="utf-8")
    for argv, reason in [
        (["delete-attachment", "status:r7", "1", "--yes"],
         "OneUptime does not let attachments be deleted."),
        (["attach", "status:r7", str(evidence)], "OneUptime does not let files be attached."),
    ]:
        assert main(["--db", str(db), *argv]) == 1
        assert capsys.readouterr() == ("", f"incident-tui: {reason}\n")
    assert outbox(db) == []


def test_attach_of_what_is_no_regular_file_says_what_it_is(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pipe or a device would be copied beside the cache for ever (/dev/zero) or wait for a
    # writer that never comes: the command must refuse it at once, with what it is.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    cases = {
        tmp_path: f"{tmp_path} is a folder: give the path of a file in it",
        pipe: f"{pipe} is not a regular file (a device, a pipe or a socket)",
        Path("/dev/zero"): "/dev/zero is not a regular file (a device, a pipe or a socket)",
        tmp_path / "gone.txt": f"no such file: {tmp_path / 'gone.txt'}",
    }
    for path, message in cases.items():
        assert main(["--db", str(db), "attach", "ops:r1", str(path)]) == 1
        out, err = capsys.readouterr()
        assert (out, err) == ("", f"incident-tui: {message}\n")
    assert outbox(db) == []
    assert not (tmp_path / "c.files").exists()


# 7. the table fits by display width ---------------------------------------------------------

WIDE_TITLES = [
    "日本語のタイトル、とても長いタイトルです。" * 4,
    "Server on fire 🔥🔥🔥 " * 8,
    "Mixed: 서버 장애 발생 " * 6,
    "e\u0301" * 120,  # combining accents take no cell
]


def test_the_table_fits_80_columns_with_wide_titles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rich.cells import cell_len

    db = build(
        tmp_path / "c.db",
        [make_incident(n, title=title) for n, title in enumerate(WIDE_TITLES, 1)],
    )
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["--db", str(db), "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(WIDE_TITLES)
    assert all(cell_len(line) <= 79 for line in lines), [cell_len(line) for line in lines]
    assert all(line.endswith("…") for line in lines[1:])
    # The title column starts in the same cell on every line.
    title_at = cell_len(lines[0][: lines[0].index("TITLE")])
    for line, title in zip(lines[1:], WIDE_TITLES, strict=True):
        assert line.split()[0].startswith("ops:r")
        cut = title[:3]
        assert cell_len(line[: line.index(cut)]) == title_at


@pytest.mark.parametrize("width", [80, 60, 40])
def test_a_wide_id_is_padded_by_cells(tmp_path: Path, width: int) -> None:
    from rich.cells import cell_len

    wide = make_incident(1, remote="本番", title="日本語" * 30)
    db = build(tmp_path / "c.db", [wide, make_incident(2, remote="prod", title="ascii " * 30)])
    rows = Reader.open(db).all_rows(ListQuery())
    lines = output.rows_table(rows, NOW, width=width).splitlines()
    assert {line.split()[0] for line in lines[1:]} == {"本番:r1", "prod:r2"}  # whole ids
    # The status column starts in the same cell on every line (its word cut when narrow).
    status_at = {cell_len(line[: line.index(word)]) for line, word in [
        (lines[0], "STA"), *((line, "tri") for line in lines[1:])
    ]}
    assert len(status_at) == 1
    assert all(cell_len(line) <= width - 1 for line in lines)


def test_an_ascii_table_imports_no_cell_width_table() -> None:
    probe = (
        "import sys\n"
        "from incident_tui import output\n"
        "from incident_tui.store.reader import ListRow\n"
        "from tests.conftest import NOW\n"
        "print('rich' in sys.modules)\n"
        "output.rows_table([], NOW, width=80)\n"
        "print(output.fit('plain ascii title', 8), 'rich' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stdout.splitlines() == ["False", "plain a… False"]


# 8. --help of each command ------------------------------------------------------------------


def test_each_command_help_starts_with_what_it_does(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in commands._choices_actions}
    for name, command in commands.choices.items():
        assert command.description, f"{name} --help has no description"
        # The one-line help, or a longer text saying more.
        assert command.description == helps[name] or len(command.description) > len(helps[name])
    with pytest.raises(SystemExit):
        main(["ack", "--help"])
    assert "Queue acknowledging incidents" in capsys.readouterr().out


def test_sync_and_emulate_help_say_what_they_keep_doing_and_print(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["sync", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Without --once it keeps syncing every poll_seconds" in text
    with pytest.raises(SystemExit):
        main(["emulate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "ready-to-paste [[remotes]] table" in text
