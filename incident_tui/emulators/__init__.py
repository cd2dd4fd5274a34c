"""Loopback emulators of the five incident APIs, faithful to ../shared/contracts.

``make_emulator(kind)`` builds one; :class:`~incident_tui.emulators.server.EmulatorServer` runs it.
"""

from __future__ import annotations

import importlib
from typing import Any

from incident_tui.emulators.faults import Fault
from incident_tui.emulators.server import Emulator, EmulatorServer

EMULATOR_CLASSES: dict[str, str] = {
    "kitehouse": "incident_tui.emulators.kitehouse:KitehouseEmulator",
    "fourhse": "incident_tui.emulators.fourhse:FourhseEmulator",
    "revily": "incident_tui.emulators.revily:RevilyEmulator",
    "oneuptime": "incident_tui.emulators.oneuptime:OneuptimeEmulator",
    "aoh_ims": "incident_tui.emulators.aoh_ims:AohImsEmulator",
}


def make_emulator(kind: str, **options: Any) -> Emulator:
    """Build the emulator for ``kind``; ``options`` go to its constructor."""
    if kind not in EMULATOR_CLASSES:
        known = ", ".join(EMULATOR_CLASSES)
        raise ValueError(f"unknown emulator kind {kind!r} (want one of {known})")
    module_name, _, class_name = EMULATOR_CLASSES[kind].partition(":")
    cls: type[Emulator] = getattr(importlib.import_module(module_name), class_name)
    return cls(**options)


__all__ = ["EMULATOR_CLASSES", "Emulator", "EmulatorServer", "Fault", "make_emulator"]
