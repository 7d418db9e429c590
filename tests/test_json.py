"""``--json`` across commands (:mod:`poolviz.render.json`): what a program reading it relies on
is the same whichever command printed it: ``config.padding`` as given, ``source`` naming the
input (or the worked example), and strict JSON (NaN and infinities as strings)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli import json_of, run

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


INPUT_COMMANDS = ("pool", "grad", "shift", "compare")
"""The commands that take an input, so with a ``source``."""


@pytest.mark.parametrize("command", INPUT_COMMANDS)
def test_source_names_the_input(command: str, tmp_path: Path) -> None:
    assert json_of(command, "-m", MATRIX_6X6)["source"] == {"name": "matrix", "kind": "inline"}
    assert json_of(command, "--sample", "digit")["source"] == {
        "name": "digit.png",
        "kind": "sample",
    }
    path = tmp_path / "m.txt"
    path.write_text("1 2 3 4\n5 6 7 8\n")
    assert json_of(command, str(path))["source"] == {"name": "m.txt", "kind": "text"}
    np.save(tmp_path / "a.npy", np.ones((4, 4)))
    assert json_of(command, str(tmp_path / "a.npy"))["source"] == {"name": "a.npy", "kind": "npy"}


@pytest.mark.parametrize(
    ("command", "example"),
    [
        ("pool", "the worked 4x4 example"),
        ("grad", "an overlapping 5x5"),
        ("shift", "a vertical edge"),
        ("compare", "the worked 4x4 example"),
    ],
)
def test_source_without_an_input_is_the_example(command: str, example: str) -> None:
    assert json_of(command)["source"] == {"name": example, "kind": "example"}


@pytest.mark.parametrize("command", ["size", "trace"])
def test_no_source_without_an_input_array(command: str) -> None:
    assert "source" not in json_of(command)


def _refuse(token: str) -> None:
    raise AssertionError(f"{token} is not strict JSON")


@pytest.mark.parametrize("command", INPUT_COMMANDS)
def test_strict_json_with_nan_and_infinities(command: str, tmp_path: Path) -> None:
    path = tmp_path / "odd.npy"
    np.save(path, np.array([[np.nan, 1, 2, np.inf], [3, -np.inf, 4, 5]]))
    code, out, err = run(command, str(path), "--json")
    assert code == 0, err
    body = json.loads(out, parse_constant=_refuse)
    assert body["source"] == {"name": "odd.npy", "kind": "npy"}
    assert "nan" in out and "inf" in out
