"""Every figure a command writes stays legible in every shape and part: for each command x
``--aspect`` x ``--panel``, no text under 7 points, none cut off, none overlapping another
(measured on the drawn figure by :mod:`tests.legibility`); and so with ``--font-scale`` 2 for
every part, and 1.5 (on the dark theme) for every whole figure."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.figure import Figure

from poolviz.cli.display import FigureArgs
from poolviz.render.figure.look import dress
from tests.cli import run
from tests.legibility import problems

PANELS = {
    "pool": ("input", "output", "coverage"),
    "grad": ("forward", "gradient", "unpool"),
    "shift": ("1", "2", "measured"),
    "compare": ("max", "avg", "adaptive_avg", "blur", "global_max", "global_avg", "conv"),
    "trace": ("original", "drop", "strided"),
}
"""Each command's ``--panel`` names."""

INPUTS = {
    "pool": ((), ("-k", "3", "-s", "1", "-p", "1"), ("--sample", "digit")),
    "grad": ((), ("--mode", "avg")),
    "shift": ((),),
    "compare": ((), ("--sample", "photo")),
    "trace": ((), ("vgg16",)),
}
"""Inputs each command is drawn for: the worked example and the cases that look different
(crowded windows, pictures, average pooling)."""


def drawn(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *args: str) -> Figure:
    """The figure the command would save, dressed as it would be."""
    caught: list[Figure] = []

    def keep(self: FigureArgs, fig: Figure) -> None:
        dress(fig, self.look())
        caught.append(fig)

    monkeypatch.setattr(FigureArgs, "save", keep)
    code, _, err = run(*args, "-o", str(tmp_path / "x.png"))
    assert code == 0, err
    (fig,) = caught
    return fig


CASES = [
    (command, given, aspect, panel)
    for command, inputs in INPUTS.items()
    for given in inputs
    for aspect in ("wide", "tall")
    for panel in (None, *PANELS[command])
]


@pytest.mark.parametrize(
    ("command", "given", "aspect", "panel"),
    CASES,
    ids=[
        f"{c}{'-' + '-'.join(g).replace('-', '') if g else ''}-{a}-{p or 'all'}"
        for c, g, a, p in CASES
    ],
)
def test_every_shape_and_part_is_legible(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
    given: tuple[str, ...],
    aspect: str,
    panel: str | None,
) -> None:
    args = [command, *given, "--aspect", aspect]
    if panel is not None:
        args += ["--panel", panel]
    assert problems(drawn(monkeypatch, tmp_path, *args)) == []


SCALED = [
    (command, aspect, panel, "2", "light")
    for command in INPUTS
    for aspect in ("wide", "tall")
    for panel in (None, *PANELS[command])
] + [(command, aspect, None, "1.5", "dark") for command in INPUTS for aspect in ("wide", "tall")]


@pytest.mark.parametrize(
    ("command", "aspect", "panel", "scale", "theme"),
    SCALED,
    ids=[f"{c}-{a}-{p or 'all'}-x{s}-{t}" for c, a, p, s, t in SCALED],
)
def test_every_shape_and_part_is_legible_with_larger_words(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
    aspect: str,
    panel: str | None,
    scale: str,
    theme: str,
) -> None:
    args = [command, "--aspect", aspect, "--font-scale", scale, "--theme", theme]
    if panel is not None:
        args += ["--panel", panel]
    assert problems(drawn(monkeypatch, tmp_path, *args)) == []


@pytest.mark.parametrize(
    "given",
    [("pool", "--sample", "digit"), ("compare", "--sample", "photo"), ("trace", "vgg16")],
)
def test_pictures_and_deep_models_are_legible_with_larger_words(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, given: tuple[str, ...]
) -> None:
    assert problems(drawn(monkeypatch, tmp_path, *given, "--font-scale", "2")) == []


STRIPS = [
    (command, mode, aspect, panel)
    for command, panels in (("pool", ("input", "output")), ("grad", ("forward", "gradient")))
    for mode in ("lp", "blur")
    for aspect in ("wide", "tall")
    for panel in (None, *panels)
]


@pytest.mark.parametrize(
    ("command", "mode", "aspect", "panel"),
    STRIPS,
    ids=[f"{c}-{m}-{a}-{p or 'all'}" for c, m, a, p in STRIPS],
)
def test_lp_and_blur_are_legible_in_every_shape_and_part(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
    mode: str,
    aspect: str,
    panel: str | None,
) -> None:
    args = [command, "--mode", mode, "--aspect", aspect]
    if panel is not None:
        args += ["--panel", panel]
    assert problems(drawn(monkeypatch, tmp_path, *args)) == []
    assert problems(drawn(monkeypatch, tmp_path, *args, "--font-scale", "2")) == []


def test_legible_at_twice_the_words(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fig = drawn(monkeypatch, tmp_path, "pool", "-k", "3", "-s", "1", "-p", "1", "--font-scale", "2")
    assert problems(fig) == []
