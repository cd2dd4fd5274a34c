"""A time limit for what follows a failed test (a pytest plugin, loaded by ``conftest``).

pytest-timeout stops its timer as soon as a test fails (so that a debugger may take over),
and so does pytest's own fault handler. A teardown that hangs after a failure then hangs
the whole run: a failed UI test whose App never stopped its sync thread kept the event
loop's teardown waiting for that thread until CI's own limit, with nothing printed. Here
the failed test gets :data:`AFTER_FAILURE_LIMIT` seconds to finish; then its failure and
every thread's stack are printed and the run ends with exit status 1.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from typing import Any

import pytest

AFTER_FAILURE_LIMIT = 60.0
"""Seconds a failed test's teardown may take (a normal one takes a few)."""

_timer: threading.Timer | None = None


def _stop() -> None:
    global _timer
    if _timer is not None:
        _timer.cancel()
        _timer = None


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(node: pytest.Item, call: Any, report: Any) -> None:
    """A test failed: from now on, give it :data:`AFTER_FAILURE_LIMIT` seconds to end."""
    global _timer
    if node.config.getoption("usepdb", False):
        return  # a person is debugging: no limit
    terminal = node.config.get_terminal_writer()

    def expired() -> None:
        # Output is captured while a test runs: to the real terminal, as pytest-timeout does.
        capture = node.config.pluginmanager.getplugin("capturemanager")
        if capture is not None:
            capture.suspend_global_capture(in_=True)
        terminal.line()
        terminal.sep("!", f"{node.nodeid} failed, then did not end in {AFTER_FAILURE_LIMIT:.0f} s")
        terminal.line(str(getattr(report, "longreprtext", "")))
        for thread in threading.enumerate():
            frame = sys._current_frames().get(thread.ident or -1)
            if frame is not None and thread is not threading.current_thread():
                terminal.sep("-", f"thread {thread.name}")
                terminal.write("".join(traceback.format_stack(frame)))
        terminal.flush()
        os._exit(1)

    _stop()
    _timer = threading.Timer(AFTER_FAILURE_LIMIT, expired)
    _timer.daemon = True
    _timer.start()


def pytest_runtest_logfinish(nodeid: str, location: Any) -> None:
    """The test ended, failed or not: no limit is left running."""
    _stop()
