"""The memory budget: inputs whose pooling would need too much memory are refused up front."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner

from poolviz.cli import main
from poolviz.loaders import ReadOptions, float64_bytes


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stderr


def test_header_sizes_are_read_without_loading(tmp_path: Path) -> None:
    path = tmp_path / "a.npy"
    np.save(path, np.zeros((3, 4, 5), dtype=np.uint8))
    assert float64_bytes(path) == 8 * 60
    assert float64_bytes("poolviz/samples/photo.jpg") == 8 * 240 * 320 * 3
    assert float64_bytes("poolviz/samples/photo.jpg", ReadOptions(scale=0.5)) == 8 * 120 * 160 * 3
    assert float64_bytes(tmp_path / "missing.png") is None
    assert float64_bytes("poolviz/samples/edge.txt") is None


def test_a_large_array_is_refused_unread(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.npy"
    big = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(10, 100, 100, 3))
    del big

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the array was loaded")

    monkeypatch.setattr("poolviz.loaders.paths.load_file", never)
    code, err = run("pool", str(path), "--max-memory", "1M")
    assert code == 1
    assert err == (
        f"error: {path}: pooling it would need about 6.9 MiB (input, output and indices), "
        "over the memory budget of 1.0 MiB; raise --max-memory or shrink it (--scale, --resize)\n"
    )


def test_budget_applies_after_loading_too() -> None:
    code, err = run("pool", "--sample", "photo", "--max-memory", "1M")
    assert code == 1
    assert err.startswith("error: photo.jpg: pooling it would need about 5.3 MiB")
    code, err = run("pool", "-m", "1 2; 3 4", "--max-memory", "64")
    assert code == 1
    assert "would need about 96 bytes" in err


def test_budget_values() -> None:
    code, err = run("pool", "--max-memory", "lots")
    assert code == 2
    assert err == (
        "error: --max-memory 'lots' is not a memory size; use e.g. 2G, 512M or 1.5G\n"
        "try: poolviz pool --help\n"
    )
    assert run("pool", "--sample", "photo", "--max-memory", "1.5GiB", "--json")[0] == 0


def test_gray_is_budgeted_as_one_channel(tmp_path: Path) -> None:
    """An RGB image was refused at its colour size even with --gray, and the refusal never
    said that --gray would shrink it."""
    from PIL import Image

    path = tmp_path / "wide.png"
    Image.fromarray(np.zeros((300, 400, 3), np.uint8)).save(path)
    assert float64_bytes(path) == 8 * 300 * 400 * 3
    assert float64_bytes(path, ReadOptions(gray=True)) == 8 * 300 * 400
    assert float64_bytes(path, ReadOptions(gray=True, scale=0.5)) == 8 * 150 * 200
    code, err = run("pool", str(path), "--max-memory", "5M")
    assert code == 1
    assert err == (
        f"error: {path}: pooling it would need about 8.2 MiB (input, output and indices), "
        "over the memory budget of 5.0 MiB; raise --max-memory or shrink it (--scale, --resize)\n"
        "try: --gray, reading one grey channel, would need about 2.7 MiB\n"
    )
    assert run("pool", str(path), "--max-memory", "5M", "--gray")[0] == 0
    code, err = run("pool", "--sample", "photo", "--max-memory", "1M")
    assert err.splitlines()[1] == "try: --gray, reading one grey channel, would need about 1.8 MiB"
    # a grey input, or an array, gets no such hint
    np.save(tmp_path / "grey.npy", np.zeros((300, 400, 3)))
    code, err = run("pool", str(tmp_path / "grey.npy"), "--max-memory", "5M")
    assert code == 1 and len(err.splitlines()) == 1
