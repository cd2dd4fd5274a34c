"""Python's cycle collector during sync passes: run less often while a pass is under way.

A pull decodes and maps thousands of rows, each a few dicts and lists; with CPython's
default thresholds (a young collection every 700 new containers) the collector ran
thousands of times in a 50,000-incident pull and its older generations, which hold every
imported module's objects, were walked again and again. Counting less often took about an
eighth off such a pull's CPU time (``benchmarks/sync_bench.py``), about what switching the
collector off took. Reference counting still frees the rows as each page is stored; only
cycles wait longer, and the defaults come back when the last pass ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

PASS_THRESHOLD = 50_000
"""New containers between young collections while a pass runs (CPython's default: 700)."""

_lock = threading.Lock()
_passes = 0
_before: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's first threshold for the enclosed work. Passes may overlap (the
    TUI runs one per remote; engines may run in several threads): the thresholds set before
    the first one come back when the last one ends, however it ends."""
    global _passes, _before
    with _lock:
        if _passes == 0:
            _before = gc.get_threshold()
            _, older, oldest = _before
            gc.set_threshold(max(PASS_THRESHOLD, _before[0]), older, oldest)
        _passes += 1
    try:
        yield
    finally:
        with _lock:
            _passes -= 1
            if _passes == 0 and _before is not None:
                gc.set_threshold(*_before)
                _before = None
