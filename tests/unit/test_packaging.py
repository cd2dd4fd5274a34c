"""pyproject.toml asks for a setuptools that understands what it declares."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

LICENSE_EXPRESSION_SINCE = (77,)
"""setuptools reads ``license`` as an SPDX expression string (PEP 639) from 77.0; older
releases reject the string when they validate pyproject.toml, so ``pip install .`` fails
wherever build isolation picks an older one that satisfies the floor."""


def _setuptools_floor(requires: list[str]) -> tuple[int, ...]:
    for requirement in requires:
        found = re.fullmatch(r"\s*setuptools\s*>=\s*([0-9.]+)\s*(?:,.*)?", requirement)
        if found:
            return tuple(int(part) for part in found.group(1).split("."))
    raise AssertionError(f"no 'setuptools>=' floor in build-system.requires: {requires}")


def test_the_setuptools_floor_supports_the_license_string() -> None:
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert data["build-system"]["build-backend"] == "setuptools.build_meta"
    if isinstance(data["project"].get("license"), str):
        floor = _setuptools_floor(data["build-system"]["requires"])
        assert floor >= LICENSE_EXPRESSION_SINCE, floor
