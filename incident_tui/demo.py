"""``incident-tui demo``: the five bundled emulators with sample data, a throw-away config and
cache, and the TUI syncing against them. Nothing outside a temporary folder is touched."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import tempfile
from collections.abc import Coroutine, Iterator
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

from incident_tui.config import Settings, validate_settings
from incident_tui.domain.model import KINDS
from incident_tui.emulators import EmulatorServer, make_emulator

DEMO_NAMES = {
    "kitehouse": "school",
    "fourhse": "plant",
    "revily": "oncall",
    "oneuptime": "status",
    "aoh_ims": "ops",
}
"""The remote name each demo emulator gets (incident ids read ``school:…``, ``ops:…``)."""


def start_emulators(stack: ExitStack, sample: int, seed: int = 7) -> list[dict[str, Any]]:
    """Start one emulator per kind (stopped when ``stack`` closes); return remote configs."""
    remotes = []
    for offset, kind in enumerate(KINDS):
        server = EmulatorServer(make_emulator(kind, sample=sample, seed=seed + offset))
        stack.enter_context(server)
        remotes.append(server.emulator.remote_config(DEMO_NAMES[kind]))
    return remotes


def demo_settings(
    folder: Path, remotes: list[dict[str, Any]], theme: str | None = None
) -> Settings:
    """Settings for the demo: a cache inside ``folder`` and the emulators as remotes, in
    ``theme`` when one is given (``--theme``).

    ``INCIDENT_TUI_*`` variables still apply, so they are validated as everywhere else: a bad
    one is a :class:`~incident_tui.config_error.ConfigError` line, not a traceback.
    """
    values = {
        "db": folder / "incidents.db",
        "download_dir": folder / "downloads",
        "poll_seconds": 15,
        "remotes": remotes,
        "theme": theme,
    }
    return validate_settings(folder / "config.toml", {}, values)


ENDING_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
"""Signals that end the demo as Ctrl-C does, outside its TUI (which catches them itself)."""


def _end(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def ended_in_order() -> Iterator[None]:
    """Have a hang-up or SIGTERM (``timeout``, a service manager) end what runs inside by
    unwinding it, with the shell's status for the signal (128 + its number)."""
    previous: dict[signal.Signals, Any] = {}
    with contextlib.suppress(ValueError):  # not the main thread: Python's default stays
        for signum in ENDING_SIGNALS:
            previous[signum] = signal.signal(signum, _end)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


async def ended_as_cancelled(work: Coroutine[Any, Any, int]) -> int:
    """Await ``work`` (its exit status) with a hang-up or SIGTERM cancelling it, as Ctrl-C
    does: it stops in order (connections closed, the cache's lock let go) and the status is
    the shell's for the signal. Raised from a signal handler, the exit would tear through
    whichever of its requests was running and leave the others pending."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    caught: list[signal.Signals] = []
    if task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            for signum in ENDING_SIGNALS:
                loop.add_signal_handler(signum, task.cancel, signum)
                caught.append(signum)
    try:
        return await work
    except asyncio.CancelledError as stop:
        if task is None or not stop.args or stop.args[0] not in caught:
            raise
        task.uncancel()
        return 128 + int(stop.args[0])
    finally:
        for signum in caught:
            loop.remove_signal_handler(signum)


def run_demo(*, sample: int = 300, tui: bool = True, theme: str | None = None) -> int:
    """Run the demo (in ``theme``, else the configured one); returns the exit status."""
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="incident-tui-demo-") as tmp:
        folder = Path(tmp)
        # Python's default for these ended the demo on the spot while its emulators started
        # or it synced without the TUI, leaving the folder (megabytes of cache) behind.
        with ended_in_order():
            # A bad INCIDENT_TUI_* variable fails here, before five servers start for nothing.
            demo_settings(folder, [], theme)
            # With the TUI, on the terminal it is about to draw on (stderr): stdout, whatever
            # it is (a full disk, a closed pipe), has no part in it and could stop it here.
            print(
                f"starting five emulators with {sample} incidents each…",
                file=sys.stderr if tui else sys.stdout,
                flush=True,
            )
            settings = demo_settings(folder, start_emulators(stack, sample), theme)
            if not tui:
                from incident_tui.cli_stdout import not_essential
                from incident_tui.sync.cli_listener import PrintListener, run_sync

                # Output failing mid-pass (a reader gone, a disk full) broke the sync off
                # with tracebacks from its unfinished requests: it now ends, its status its own.
                not_essential("the demo syncs all the same without printing its lines")

                once = run_sync(settings, None, once=True, listener=PrintListener())
                return asyncio.run(ended_as_cancelled(once))
        from incident_tui.ui.app import make_app

        app = make_app(settings)
        app.run()
        return app.return_code or 0
