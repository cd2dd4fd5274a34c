"""kill -9 in the middle of a burst of actions: every action reported as queued survives."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from incident_tui.domain.query import ListQuery
from incident_tui.store.actions import Actions
from incident_tui.store.engine import session
from incident_tui.store.reader import Reader
from incident_tui.store.upsert import upsert_incidents
from tests.child_lines import ChildLines
from tests.conftest import NOW, make_incident

BURST = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from incident_tui.domain.model import Draft
    from incident_tui.store.actions import Actions

    actions = Actions.open(Path(sys.argv[1]))
    round_no = int(sys.argv[2])
    for n in range(10_000):
        target = f"ops:r{n % 40 + 1}"
        kind = n % 3
        if kind == 0:
            queued = [actions.acknowledge([target])[0]]
        elif kind == 1:
            queued = [actions.comment(target, f"round {round_no} note {n}")]
        else:
            queued = [actions.create("ops", "aoh_ims", Draft(f"round {round_no} new {n}"))]
        for item in queued:
            print(f"queued {item.seq}", flush=True)
    """
)


def test_queued_actions_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    actions = Actions.open(path)
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [make_incident(n) for n in range(1, 41)], NOW)
    actions.engine.dispose()
    script = tmp_path / "burst.py"
    script.write_text(BURST)
    rng = random.Random(20261122)
    reported: set[int] = set()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for round_no in range(5):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(path), str(round_no)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        lines = ChildLines(proc.stdout, f"the burst of round {round_no}")
        wanted = rng.randint(5, 60)
        deadline = time.monotonic() + 60
        while len(reported) < wanted + 60 * round_no and time.monotonic() < deadline:
            # A child that stops printing fails the test here rather than hanging it.
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            if line is None:
                break
            reported.add(int(line.split()[1]))
            if rng.random() < 1 / wanted:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        # Whatever the process printed before it died was committed before it printed.
        for line in lines.rest(timeout=10):
            if line.startswith("queued "):
                reported.add(int(line.split()[1]))
    assert len(reported) >= 5
    reader = Reader.open(path)
    in_outbox = {row["seq"] for row in reader.outbox()}
    assert reported <= in_outbox, f"lost: {sorted(reported - in_outbox)[:10]}"
    assert reader.count(ListQuery()) >= 40
