"""The suite's limit on what follows a failed test: a failed test whose teardown hangs ends
the run with its failure and the threads' stacks printed, instead of hanging it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE_CONFTEST = """
import tests.failure_watchdog as watchdog

watchdog.AFTER_FAILURE_LIMIT = 2.0
pytest_plugins = ["tests.failure_watchdog"]
"""

PROBE = """
import asyncio
import threading

never = threading.Event()


async def test_fails_and_leaves_a_thread_behind():
    # The event loop's teardown waits for this thread, which never ends.
    asyncio.get_running_loop().run_in_executor(None, never.wait)
    assert False, "the probe failed"


def test_passes():
    pass
"""


def test_a_failed_test_whose_teardown_hangs_ends_the_run(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(PROBE_CONFTEST)
    (tmp_path / "test_probe.py").write_text(PROBE)
    started = time.monotonic()
    run = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-o", "asyncio_mode=auto", "--rootdir", str(tmp_path), str(tmp_path),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert time.monotonic() - started < 60
    assert "test_fails_and_leaves_a_thread_behind failed, then did not end in 2 s" in run.stdout
    assert "AssertionError: the probe failed" in run.stdout
    assert "thread asyncio_0" in run.stdout  # the stack of the thread it waits for
