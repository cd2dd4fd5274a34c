"""A remote that takes connections and never answers, through the real command line and cache:
``delete --yes`` and a ``delete`` without a terminal must not wait for it at all, an
interactive ``delete`` and ``show --fresh`` only as long as their caps, saying so. A remote
that answers still has its preview shown before the question."""

from __future__ import annotations

import io
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from incident_tui import cli_online
from tests.integration.conftest import Point, Serve, cli


class Hanging:
    """A server that accepts connections (the kernel completes them from the backlog) and
    never answers a byte."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    def asked(self) -> bool:
        """Whether anyone connected to it (a connection waits in the backlog)."""
        self.sock.setblocking(False)
        try:
            self.sock.accept()[0].close()
        except BlockingIOError:
            return False
        return True


@pytest.fixture
def hanging() -> Iterator[Hanging]:
    """A remote that never answers (:class:`Hanging`), on a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield Hanging(sock)


def _cache_then_hang(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], hanging: str
) -> str:
    """Sync a 4HSE remote into the cache, then point it at ``hanging``; a cached id."""
    server = serve("fourhse", sample=2)
    config = server.emulator.remote_config("fourhse")
    point(config)
    cli(capsys, "sync", "--once")
    point({**config, "base_url": hanging})
    database = os.environ["INCIDENT_TUI_DB"]
    with sqlite3.connect(database) as conn:
        return str(conn.execute("SELECT id FROM incident ORDER BY id LIMIT 1").fetchone()[0])


@contextmanager
def _typed_ahead(monkeypatch: pytest.MonkeyPatch, answer: bytes) -> Iterator[None]:
    """Standard input on a real terminal, with ``answer`` typed ahead."""
    main_fd, terminal_fd = os.openpty()
    os.write(main_fd, answer)
    try:
        with open(terminal_fd) as terminal:
            monkeypatch.setattr("sys.stdin", terminal)
            yield
    finally:
        os.close(main_fd)


def _queued(incident_id: str) -> list[tuple[str, str]]:
    with sqlite3.connect(os.environ["INCIDENT_TUI_DB"]) as conn:
        query = "SELECT op, state FROM outbox WHERE incident_id = ?"
        return [tuple(row) for row in conn.execute(query, [incident_id])]


def test_delete_with_yes_does_not_ask_a_hanging_remote(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], hanging: Hanging
) -> None:
    incident_id = _cache_then_hang(serve, point, capsys, hanging.url)
    out, err = cli(capsys, "delete", incident_id, "--yes")
    assert not hanging.asked()
    assert out.startswith(f"queued: delete {incident_id} (change ")
    assert err == ""
    assert _queued(incident_id) == [("delete", "queued")]


def test_delete_without_a_terminal_is_refused_at_once(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], hanging: Hanging,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    incident_id = _cache_then_hang(serve, point, capsys, hanging.url)
    with open(os.devnull) as devnull:
        monkeypatch.setattr("sys.stdin", devnull)
        _, err = cli(capsys, "delete", incident_id, status=1)
    assert not hanging.asked()
    assert err.strip() == "incident-tui: deleting needs --yes when not run interactively"
    assert _queued(incident_id) == []


def test_interactive_delete_waits_for_the_preview_only_as_long_as_its_cap(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], hanging: Hanging,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    incident_id = _cache_then_hang(serve, point, capsys, hanging.url)
    monkeypatch.setattr(cli_online, "PREVIEW_TIMEOUT", 1.0)
    with _typed_ahead(monkeypatch, b"y\n"):
        out, err = cli(capsys, "delete", incident_id)
    assert "asking" not in err  # not a terminal: scripts' output is as it was
    # The cap, not the connection's own timeouts and retries, ended the wait: it says so.
    assert (
        "(could not ask the remote what else would be removed: "
        "the remote did not answer in 1 s)"
    ) in out
    assert f"queued: delete {incident_id} (change " in out
    assert _queued(incident_id) == [("delete", "queued")]


class Terminal(io.StringIO):
    """Standard error as a terminal."""

    def isatty(self) -> bool:
        """A terminal."""
        return True


def test_interactive_delete_on_a_terminal_says_it_asks_a_slow_remote(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], hanging: Hanging,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Up to the cap in silence before the question came, over a slow link.
    incident_id = _cache_then_hang(serve, point, capsys, hanging.url)
    monkeypatch.setattr(cli_online, "PREVIEW_TIMEOUT", 1.5)
    monkeypatch.setattr(cli_online, "ASKING_NOTE_AFTER", 0.3)
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with _typed_ahead(monkeypatch, b"n\n"):
        out, _ = cli(capsys, "delete", incident_id, status=1)
    assert terminal.getvalue() == "asking fourhse what else would be removed…\n"
    assert "the remote did not answer in 1.5 s" in out
    assert out.endswith("nothing deleted\n")


def test_show_fresh_of_a_hanging_remote_shows_the_cached_copy_after_its_cap(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], hanging: Hanging,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    incident_id = _cache_then_hang(serve, point, capsys, hanging.url)
    monkeypatch.setattr(cli_online, "FRESH_TIMEOUT", 1.0)
    out, err = cli(capsys, "show", incident_id, "--fresh")
    assert hanging.asked()
    assert err == "incident-tui: fourhse did not answer in 1 s; showing the cached copy\n"
    assert incident_id in out


def test_interactive_delete_shows_what_an_answering_remote_also_removes(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plant = serve("fourhse", sample=20)
    point(("plant", plant))
    cli(capsys, "sync", "--once")
    with sqlite3.connect(os.environ["INCIDENT_TUI_DB"]) as conn:
        rows = conn.execute(
            "SELECT id FROM incident WHERE json_extract(extra, '$.totInvolvedPerson') > 0"
        ).fetchall()
    target = rows[0][0]
    with _typed_ahead(monkeypatch, b"n\n"):
        out, _ = cli(capsys, "delete", target, status=1)
    assert f"{target} also removes " in out
    assert out.endswith("nothing deleted\n")
    assert _queued(target) == []
