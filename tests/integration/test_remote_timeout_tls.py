"""Per-remote ``timeout`` and ``verify_tls`` from the config file (README, "Every remote also
takes"), through ``sync --once`` against the emulators over HTTP(S):

- a request slower than the remote's ``timeout`` is given up as a timeout, on every kind (an
  emulator delay of 10 s against a configured 1 s; the default of 15 s would wait it out);
- an ``https`` remote whose server shows a self-signed certificate is refused at once with
  the reason and what to do (neither a pass nor the handover stream tries it again: the
  certificate will not change in seconds), unless that remote says ``verify_tls = false``
  or ``SSL_CERT_FILE`` trusts it. The certificate is made with the ``openssl`` command
  (the standard library cannot make one); without it those tests skip;
- an ``https`` Keycloak token endpoint of a remote whose API is plain HTTP is checked the same.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from incident_tui.config import Settings
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.remote.errors import Untrusted
from incident_tui.remote.http import Http
from incident_tui.store.reader import Reader
from incident_tui.sync.online import Online
from incident_tui.ui.screens.handover_stream import follow_stream
from incident_tui.ui.screens.remotes import remotes_text
from incident_tui.ui.widgets.status_line import remote_lines, status_content
from tests.conftest import write_private
from tests.integration.conftest import FIXED_NOW, Serve, cli


def write_config(path: Path, remotes: list[dict[str, Any]]) -> Path:
    """A config file with these ``[[remotes]]`` (string, number and boolean values)."""
    lines: list[str] = []
    for remote in remotes:
        lines.append("[[remotes]]")
        for key, value in remote.items():
            lines.append(f"{key} = {json.dumps(value)}")  # JSON scalars are TOML scalars
        lines.append("")
    return write_private(path, "\n".join(lines))


def plain(config: dict[str, Any]) -> dict[str, Any]:
    """An emulator's remote config with only scalar values (what ``write_config`` writes)."""
    return {k: v for k, v in config.items() if not isinstance(v, dict | list)}


KINDS = ("kitehouse", "fourhse", "revily", "oneuptime", "aoh_ims")


def test_the_configured_timeout_gives_up_on_a_slow_remote(
    serve: Serve, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The retries after each timeout start 50 ms apart, not half a second: the timeout is
    # what this checks, the backoff is checked with the HTTP layer.
    monkeypatch.setattr(Http, "base_delay", 0.05)
    remotes = []
    for kind in KINDS:
        slow = serve(kind, sample=3)
        # Every answer takes 10 s: far over the remote's timeout, well under the default 15 s.
        slow.emulator.faults.add("delay", delay=10.0, times=-1)
        remotes.append({**plain(slow.emulator.remote_config(f"slow-{kind}")), "timeout": 0.5})
    quick = serve("revily", sample=2)
    remotes.append(plain(quick.emulator.remote_config("quick")))
    config = write_config(tmp_path / "config.toml", remotes)
    db = tmp_path / "cache.db"
    # One pass syncs the remotes side by side, so this takes about one remote's retries.
    out, err = cli(capsys, "--config", str(config), "--db", str(db), "sync", "--once", status=1)
    for kind in KINDS:
        last = [line for line in out.splitlines() if line.startswith(f"slow-{kind}: ")][-1]
        assert "did not answer in time" in last, last
    assert "quick: ok" in out
    assert err.startswith("incident-tui: synced 1 of 6 remotes; failing: ")
    rows = json.loads(cli(capsys, "--config", str(config), "--db", str(db), "list",
                          "--json")[0])  # fmt: skip
    assert {row["remote"] for row in rows} == {"quick"}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command to make a test certificate with")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def https_servers(certificate: tuple[Path, Path]) -> Iterator[list[EmulatorServer]]:
    """An emulator of each kind with three incidents behind TLS with the self-signed
    certificate; each one's ``url`` (and the config it gives) is the ``https`` one."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    servers = []
    try:
        for kind in KINDS:
            server = EmulatorServer(make_emulator(kind, sample=3, clock=lambda: FIXED_NOW))
            # The emulators speak plain HTTP; wrapping the listening socket gives each
            # accepted connection a TLS handshake first (a refused one ends in accept,
            # quietly).
            listener = server._server  # the test's own TLS in front of the emulator
            listener.socket = context.wrap_socket(listener.socket, server_side=True)
            server.url = server.url.replace("http://", "https://")
            server.emulator.base_url = server.url
            servers.append(server.start())
        yield servers
    finally:
        for server in servers:
            server.stop()


def tls_config(path: Path, servers: list[EmulatorServer], **extra: Any) -> Path:
    """A config file with a remote named after its kind for each server, plus ``extra``."""
    remotes = [{**plain(s.emulator.remote_config(s.emulator.kind)), **extra} for s in servers]
    for remote in remotes:
        assert remote["base_url"].startswith("https://127.0.0.1:")
    return write_config(path, remotes)


def test_a_self_signed_certificate_is_refused_by_default(
    https_servers: list[EmulatorServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tls_config(tmp_path / "config.toml", https_servers)
    db = tmp_path / "cache.db"
    out, err = cli(capsys, "--config", str(config), "--db", str(db), "sync", "--once", status=1)
    for kind in KINDS:
        last = [line for line in out.splitlines() if line.startswith(f"{kind}: ")][-1]
        assert "certificate verify failed" in last, last
    assert err.startswith("incident-tui: synced 0 of 5 remotes; failing: ")
    assert "certificate verify failed" in err and len(err.splitlines()) == 1
    assert "verify_tls = false" in out  # and what to do about it
    # The hint under each says waiting will not help, unlike a remote that does not answer.
    hint = "  The remote's certificate is not trusted here: changes stay queued until it is."
    assert out.splitlines().count(hint) == len(KINDS)
    # The TUI's status line, from what the cache kept, says so rather than "offline".
    reader = Reader.open(db)
    try:
        lines = remote_lines(reader.remotes(), list(KINDS))
    finally:
        reader.close()
    assert status_content(lines, 0).plain.endswith(
        f"{', '.join(KINDS)} certificate not trusted"
    )
    assert status_content(lines, 0, width=80).plain == (
        f"0 queued │ {', '.join(KINDS)} cert untrusted"
    )
    shown = remotes_text(lines)  # the remotes screen (S)
    assert "kitehouse (Kitehouse)  certificate not trusted" in shown
    assert shown.count(hint.strip()) == len(KINDS)
    for server in https_servers:
        assert server.emulator.log == [], server.emulator.kind  # no request got through


async def test_a_refused_certificate_is_not_tried_again_within_a_pass(
    https_servers: list[EmulatorServer],
) -> None:
    # Unlike a connection refused or dropped, which may work a second later.
    http = Http(https_servers[0].url)
    retries: list[float] = []
    http.on_retry = lambda error, delay: retries.append(delay)
    try:
        with pytest.raises(Untrusted, match="certificate verify failed"):
            await http.json("GET", "/")
    finally:
        await http.aclose()
    assert (http.requests_sent, retries) == (1, [])


async def test_the_handover_stream_of_an_untrusted_server_stops_at_once_and_says_why(
    https_servers: list[EmulatorServer], tmp_path: Path
) -> None:
    [kite] = [server for server in https_servers if server.emulator.kind == "kitehouse"]
    config = kite.emulator.remote_config("school")
    online = Online(Settings(db=tmp_path / "cache.db", remotes=[config]))  # type: ignore[list-item]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    try:
        view = await follow_stream(
            partial(online.handover_stream, "school"), 12, lambda view: None,
            sleep=sleep, remote="school",
        )
    finally:
        await online.aclose()
    assert view.failed and slept == []
    assert view.status.startswith(f"Not connected to school: cannot connect to {kite.url}: ")
    assert "certificate verify failed" in view.status
    assert view.status.endswith("or verify_tls = false on this remote to skip the check)")


def test_a_certificate_trusted_through_ssl_cert_file_is_accepted(
    https_servers: list[EmulatorServer],
    certificate: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first way out the refusal names: the server's certificate checked, and trusted.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    config = tls_config(tmp_path / "config.toml", https_servers)
    out, _ = cli(capsys, "--config", str(config), "--db", str(tmp_path / "cache.db"),
                 "sync", "--once")  # fmt: skip
    for kind in KINDS:
        assert f"{kind}: ok" in out


def test_verify_tls_false_accepts_the_certificate(
    https_servers: list[EmulatorServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tls_config(tmp_path / "config.toml", https_servers, verify_tls=False)
    db = tmp_path / "cache.db"
    out, _ = cli(capsys, "--config", str(config), "--db", str(db), "sync", "--once")
    for kind in KINDS:
        assert f"{kind}: ok" in out
    rows = json.loads(cli(capsys, "--config", str(config), "--db", str(db), "list",
                          "--json")[0])  # fmt: skip
    assert sorted(row["remote"] for row in rows) == sorted(KINDS * 3)


@pytest.mark.parametrize("scheme", ["https://", "HTTPS://"])
@pytest.mark.parametrize("kind", ["fourhse", "aoh_ims"])
def test_an_https_token_url_is_checked_when_the_api_is_plain_http(
    https_servers: list[EmulatorServer], serve: Serve, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], kind: str, scheme: str,
) -> None:
    # The API on plain HTTP left the client without a certificate check, so the password
    # and client secret went to a Keycloak whose certificate nobody trusted. Schemes are
    # case-insensitive: HTTPS:// was refused by the config, and checked as https:// now.
    [sso] = [server for server in https_servers if server.emulator.kind == kind]
    api = serve(kind, sample=2)
    options = {"sign_in": "password"} if kind == "aoh_ims" else {}
    remote = plain(api.emulator.remote_config("ops", **options))
    assert remote["base_url"] == api.url and api.url.startswith("http://")
    remote["base_url"] = api.url.replace("http://", "HTTP://") if scheme.isupper() else api.url
    sso_url = sso.url.replace("https://", scheme)
    remote["token_url"] = sso_url + remote["token_url"].removeprefix(api.url)
    config = write_config(tmp_path / "config.toml", [remote])
    out, _ = cli(capsys, "--config", str(config), "--db", str(tmp_path / "cache.db"),
                 "sync", "--once", status=1)  # fmt: skip
    assert "certificate verify failed" in out
    assert sso.emulator.log == []  # no sign-in got through
    assert api.emulator.log == []
    # Told to skip the check, it signs in there.
    skipped = write_config(tmp_path / "skipped.toml", [{**remote, "verify_tls": False}])
    cli(capsys, "--config", str(skipped), "--db", str(tmp_path / "cache.db"), "sync", "--once",
        status=1)
    assert [(r.method, r.path) for r in sso.emulator.log][:1] == [
        ("POST", remote["token_url"].removeprefix(sso_url))]
