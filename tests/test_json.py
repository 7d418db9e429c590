"""``--json`` across commands (:mod:`poolviz.render.json`): what a program reading it relies on
reads the same in every command, whichever command printed it."""

from __future__ import annotations

import pytest

from tests.cli import json_of

MATRIX_6X6 = "; ".join(" ".join(str(6 * r + c) for c in range(6)) for r in range(6))

POOLING_COMMANDS = ("pool", "grad", "shift", "compare", "size")
"""The commands with pooling options, so with a ``config.padding``."""


def _input(command: str) -> tuple[str, ...]:
    """A 6x6 input: ``size`` takes its lengths, the others a matrix."""
    return ("6x6",) if command == "size" else ("-m", MATRIX_6X6)


PADDINGS = [
    ("0", 0),
    ("1", 1),
    ("1x0", [1, 0]),
    ("0x1", [0, 1]),
    ("valid", "valid"),
    ("same", "same"),
]
"""``-p`` as typed, and as ``config.padding`` shows it: a number, an (h, w) pair or the word."""


@pytest.mark.parametrize("command", POOLING_COMMANDS)
@pytest.mark.parametrize(("given", "shown"), PADDINGS, ids=[given for given, _ in PADDINGS])
def test_config_padding_is_as_given(command: str, given: str, shown: object) -> None:
    body = json_of(command, *_input(command), "-k", "3", "-s", "2", "-p", given)
    assert body["config"]["padding"] == shown


@pytest.mark.parametrize("command", POOLING_COMMANDS)
def test_config_padding_defaults_to_0(command: str) -> None:
    assert json_of(command)["config"]["padding"] == 0
