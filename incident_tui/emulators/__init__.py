"""Loopback emulators of the five incident APIs, faithful to each system's API contract.

``make_emulator(kind)`` builds one; :class:`~incident_tui.emulators.server.EmulatorServer` runs it.
:func:`parse_options` reads ``NAME=VALUE`` constructor options from the command line.
"""

from __future__ import annotations

import importlib
import inspect
import json
import typing
from collections.abc import Iterable, Iterator
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


NOT_OPTIONS = frozenset({"clock", "monotonic", "sample"})
"""Constructor parameters :func:`parse_options` does not take: functions, which a command
line cannot give, and ``sample``, which has its own flag."""

def emulator_class(kind: str) -> type[Emulator]:
    """The emulator class for ``kind`` (imported on first use)."""
    if kind not in EMULATOR_CLASSES:
        known = ", ".join(EMULATOR_CLASSES)
        raise ValueError(f"unknown emulator kind {kind!r} (want one of {known})")
    module_name, _, class_name = EMULATOR_CLASSES[kind].partition(":")
    cls: type[Emulator] = getattr(importlib.import_module(module_name), class_name)
    return cls


def make_emulator(kind: str, **options: Any) -> Emulator:
    """Build the emulator for ``kind``; ``options`` go to its constructor."""
    return emulator_class(kind)(**options)


def option_names(kind: str) -> list[str]:
    """The options :func:`parse_options` takes for ``kind``: its constructor's keywords."""
    parameters = inspect.signature(emulator_class(kind).__init__).parameters
    return [
        name for name, p in parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in NOT_OPTIONS
    ]


def parse_options(kind: str, pairs: Iterable[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs as constructor options of the ``kind`` emulator: each VALUE read
    as JSON (``true``, ``25``, ``["a"]``), else taken as a string, then checked against the
    parameter's type. A :class:`ValueError` names the first bad pair and what is wanted."""
    from pydantic import TypeAdapter, ValidationError

    cls = emulator_class(kind)
    names = option_names(kind)
    # The emulators' annotations are strings (postponed evaluation): resolve them once.
    hints = typing.get_type_hints(cls.__init__)
    options: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"option {pair!r} is not NAME=VALUE")
        if name not in names:
            raise ValueError(
                f"the {kind} emulator has no option {name!r} (known: {', '.join(names)})"
            )
        try:
            value: Any = json.loads(text)
        except ValueError:
            value = text
        try:
            checked = TypeAdapter(hints[name]).validate_python(value)
            # pydantic checks an Iterable's items lazily, as it is consumed: check them now.
            options[name] = list(checked) if isinstance(checked, Iterator) else checked
        except ValidationError as error:
            problem = error.errors()[0]["msg"]
            raise ValueError(f"option {name}={text}: {problem}") from None
    return options


__all__ = [
    "EMULATOR_CLASSES",
    "Emulator",
    "EmulatorServer",
    "Fault",
    "emulator_class",
    "make_emulator",
    "option_names",
    "parse_options",
]
