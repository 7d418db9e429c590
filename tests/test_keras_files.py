"""Keras models as model.save() writes them (.keras, .h5): a functional ResNet-style model
saved by real Keras 3.15.1 (torch backend) with ``tools/make_keras_fixtures.py``, whose
``model.summary()`` numbers (``keras_resnet.summary.json``, written by the same script) the
trace must reproduce; and bad files written by the tests, each one error line, exit 1."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from poolviz.model import load_model
from poolviz.model.trace import report, trace
from tests import cli

FIXTURES = Path(__file__).parent / "fixtures"
SUMMARY = json.loads((FIXTURES / "keras_resnet.summary.json").read_text())


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_the_summary_of_a_saved_functional_model(suffix: str) -> None:
    if suffix == ".h5":
        pytest.importorskip("h5py", reason="h5py (poolviz[keras]) is not installed")
    model = load_model(str(FIXTURES / f"keras_resnet{suffix}"))
    assert model.input_shape == (32, 32, 3)
    rows = {r.name: r for r in trace(model).rows}
    assert set(rows) == set(SUMMARY) - {"total"}
    for name, expected in SUMMARY.items():
        if name == "total":
            continue
        row = rows[name]
        # Keras counts BatchNorm's moving mean and variance among a layer's parameters
        assert (list(row.output_shape), row.params + row.non_trainable) == (
            expected["output_shape"],
            expected["params"],
        ), name
    totals = trace(model).totals
    assert totals is not None
    assert totals.params + totals.non_trainable == SUMMARY["total"]["params"]
    assert rows["add"].inputs == ("body_bn", "pool")
    assert rows["concat"].inputs == ("branch_a", "branch_b")
    assert [t.problem for t in report(model).compare] == [None, None]


def _zip(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / "bad.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return path


def _truncated(tmp: Path, suffix: str) -> Path:
    data = (FIXTURES / f"keras_resnet{suffix}").read_bytes()
    (tmp / f"bad{suffix}").write_bytes(data[: len(data) // 3])
    return tmp / f"bad{suffix}"


def _h5_without_config(tmp: Path) -> Path:
    h5py = pytest.importorskip("h5py", reason="h5py (poolviz[keras]) is not installed")
    with h5py.File(tmp / "bad.h5", "w") as f:
        f.create_dataset("weights", data=[1.0, 2.0])
    return tmp / "bad.h5"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: _zip(t, "model.weights.h5", b"x"), "the archive holds no config.json"),
        (lambda t: _zip(t, "config.json", b"\0" * (65 * 2**20)), "over 64 MiB"),
        (lambda t: _truncated(t, ".keras"), "not a .keras archive"),
        (lambda t: _truncated(t, ".h5"), "not a readable HDF5 file"),
        (_h5_without_config, "the HDF5 file has no model_config attribute"),
    ],
)
def test_bad_files_are_one_error_line(tmp_path: Path, make: object, message: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    code, out, err = cli.run("trace", str(path), "-o", str(tmp_path / "out.png"))
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: ") and message in lines[0]
    assert not (tmp_path / "out.png").exists()
