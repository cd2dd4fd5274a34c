"""Running a child process that file permissions bind, even when the tests run as root.

Root writes to a read-only file and into a read-only folder, so a cache the user may not
write can only be refused to a process without root's file capabilities. ``setpriv`` (from
util-linux) starts a command with them dropped: same user, same files, but the owner's
permission bits now decide, as they do for everyone else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DROPPED = "-dac_override,-dac_read_search,-fowner"
"""The capabilities that let root ignore permission bits (and change them on any file)."""


def unprivileged_prefix(scratch: Path) -> list[str]:
    """The words to put before a command so file permissions bind it: none for an ordinary
    user, ``setpriv`` dropping root's file capabilities for root. Skips the test, saying
    why, when that is not possible here (no ``setpriv``, or it cannot drop them)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): root may write any file")
    prefix = [setpriv, "--inh-caps=-all", f"--bounding-set={DROPPED}", "--"]
    # Check that it works here (a container may refuse to change the bounding set): a
    # read-only file must then refuse a write.
    probe = scratch / "permission-probe"
    probe.write_text("")
    probe.chmod(0o444)
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", f"open({str(probe)!r}, 'a')"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        probe.unlink()
    if "PermissionError" not in done.stderr:
        reason = done.stderr.strip().splitlines()[-1:] or ["it wrote to a read-only file"]
        pytest.skip(f"setpriv cannot drop root's file capabilities here: {reason[0]}")
    return prefix
