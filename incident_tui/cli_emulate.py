"""``incident-tui emulate``: one bundled emulator in the foreground, with the config to use it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from incident_tui.cli_stdout import not_essential


class EmulateFailure(Exception):
    """The emulator cannot start (a taken port, an unknown option); the text says why."""


def run_emulator(args: argparse.Namespace) -> int:
    """``incident-tui emulate``: serve one emulator in the foreground until Ctrl-C, after
    printing its address and a ready-to-paste ``[[remotes]]`` table."""
    from incident_tui.emulators import EmulatorServer, make_emulator, parse_options

    try:
        options = parse_options(args.kind, args.option)
    except ValueError as error:
        raise EmulateFailure(str(error)) from None
    try:
        emulator = make_emulator(args.kind, sample=args.sample, **options)
        server = EmulatorServer(emulator, args.host, args.port)
    except OSError as error:
        raise EmulateFailure(f"cannot listen on {args.host}:{args.port}: {error}") from None
    config = server.emulator.remote_config(args.kind)
    # It listens already: output that fails (a full disk, stdout closed, a reader gone)
    # only loses the lines, not the emulator someone started it for.
    not_essential(f"the emulator serves all the same on {server.url} until Ctrl-C")
    print(f"{args.kind} emulator on {server.url} ({args.sample} sample incidents); Ctrl-C stops")
    print("config for it:")
    print("[[remotes]]")
    for key, value in config.items():
        print(f"{key} = {_toml_value(value)}")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
        )
    return json.dumps(value)
