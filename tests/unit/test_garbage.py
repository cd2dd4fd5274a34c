"""The cycle collector's thresholds during sync passes: raised inside, as they were after,
also when passes overlap in two threads or one ends with an error; a higher threshold the
process set itself is kept."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from incident_tui.sync.garbage import PASS_THRESHOLD, fewer_collections


@pytest.fixture(autouse=True)
def own_thresholds() -> Iterator[tuple[int, int, int]]:
    """Known thresholds for the test, the process's own put back after it."""
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_raised_inside_and_back_after_also_on_an_error() -> None:
    with fewer_collections():
        assert gc.get_threshold() == (PASS_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("the pass failed")
    assert gc.get_threshold() == (700, 10, 10)


def test_overlapping_passes_put_them_back_when_the_last_ends() -> None:
    inside = threading.Event()
    release = threading.Event()
    seen: list[tuple[int, int, int]] = []

    def other_pass() -> None:
        with fewer_collections():
            inside.set()
            release.wait(5)
            seen.append(gc.get_threshold())

    worker = threading.Thread(target=other_pass)
    with fewer_collections():
        worker.start()
        assert inside.wait(5)
    # This pass ended first; the other one still runs with the raised threshold.
    assert gc.get_threshold() == (PASS_THRESHOLD, 10, 10)
    release.set()
    worker.join(5)
    assert seen == [(PASS_THRESHOLD, 10, 10)]
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_of_the_process_is_kept() -> None:
    gc.set_threshold(PASS_THRESHOLD * 2, 5, 5)
    with fewer_collections():
        assert gc.get_threshold() == (PASS_THRESHOLD * 2, 5, 5)
    assert gc.get_threshold() == (PASS_THRESHOLD * 2, 5, 5)
