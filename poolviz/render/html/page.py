"""One self-contained HTML page of a pooling run (``poolviz pool/grad -o lesson.html``).

The page is :file:`template.html` with :file:`page.css`, :file:`page.js` and the run's numbers
inlined: the numbers as a JSON data block (never markup or code: every ``<``, ``>`` and ``&``
escaped, so a title holding ``</script>`` stays text), drawn by the JS module, which has
anywidget's ``render({ model, el })`` shape. The data comes from the ``--json`` builders
(:mod:`poolviz.render.json`) and the result objects: the page draws, it recomputes nothing
until the reader changes a setting.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from poolviz.engine.explain import PoolResult
from poolviz.engine.geometry import PaddingArg
from poolviz.engine.gradient import GradResult
from poolviz.errors import PoolvizError
from poolviz.render.json.grad import grad_json
from poolviz.render.json.pool import input_source, pool_json
from poolviz.render.json.strict import plain
from poolviz.render.output import atomic_output
from poolviz.render.style import DROPPED_COLOUR, OKABE_ITO, PADDING_COLOUR, config_line

if TYPE_CHECKING:
    from poolviz.loaders import LoadedInput

PAGE_CELLS = 64
"""The largest input side a page shows cell by cell: 64x64 numbers are already a wall."""


def check_page_size(shape: tuple[int, ...], name: str, hint: str | None = None) -> None:
    """Refuse an NHWC input of more than :data:`PAGE_CELLS` cells a side (PoolvizError, a
    usage error: the command line can shrink it), with ``hint`` as its hint line."""
    h, w = shape[1], shape[2]
    if max(h, w) <= PAGE_CELLS:
        return
    raise PoolvizError(
        f"{name} is {h}x{w}, too large for a page (at most {PAGE_CELLS}x{PAGE_CELLS} cells); "
        "shrink an image with --scale or --resize, or give a smaller array",
        hint=hint,
    )


@dataclass(frozen=True)
class PageLook:
    """How a page shows its run, from the command's options."""

    steps: int | None = None
    """Rows of the step table (``--steps N``); None lists every window."""
    cmap: str | None = None
    """A matplotlib colour map (``--cmap``) to shade the input by value, at any size; None
    shades pictures (large inputs) in grey."""
    font_scale: float = 1.0
    """Every text on the page this many times its size (``--font-scale``)."""


@dataclass(frozen=True)
class PageView:
    """What a page shows of a run and how it names it (the command's options)."""

    item: int
    channel: int
    padding: PaddingArg
    """As the user gave it (see :func:`poolviz.render.json.pool.pool_config`)."""
    source: LoadedInput | str
    """The input, or the worked example's name (see :func:`input_source`)."""
    notes: tuple[str, ...]
    """The loader's remarks (resized, converted to grey, ...)."""
    title: str | None
    """The page's title; None names the configuration."""
    command: list[str]
    """The command line that reads the same input (``poolviz pool --sample seed5x5``): the
    page adds its settings to it for "copy as command"."""
    at: tuple[int, int] | None = None
    """The output cell the cursor starts on (the first when None)."""
    look: PageLook = PageLook()
    seed: int | None = None
    """``--seed``, for the command that draws fractional pooling's windows again."""


def page_frame(view: PageView, heading: str, out_w: int) -> dict[str, Any]:
    """What every page's data holds whatever the pooling: its title and heading (the
    configuration in one line), where the data came from, the command that reads it, the item
    and channel shown, the first window (``out_w`` outputs a row) and the look options."""
    at = view.at
    return {
        "kind": "pool",
        "title": view.title if view.title is not None else heading,
        "heading": heading,
        "notes": list(view.notes),
        "command": view.command,
        "item": view.item,
        "channel": view.channel,
        "source": input_source(view.source),
        "start": 0 if at is None else at[0] * out_w + at[1],
        "steps": view.look.steps,
        "cmap": None if view.look.cmap is None else cmap_stops(view.look.cmap),
        "font_scale": view.look.font_scale,
        "palette": {
            "windows": list(OKABE_ITO),
            "padding": PADDING_COLOUR,
            "dropped": DROPPED_COLOUR,
        },
    }


def pool_page(result: PoolResult, view: PageView) -> dict[str, Any]:
    """The page data of a ``poolviz pool`` run: one item and channel, every window (from
    :func:`pool_json`), the input and output planes and the coverage."""
    item, channel = view.item, view.channel
    check_uneven_output(result)
    body = pool_json(
        result, item=item, channel=channel, steps=None, padding=view.padding, source=view.source
    )
    shown_as = fractional_shown(result, view) if result.rows.kind == "fractional" else None
    return {
        **({"shown_as": shown_as} if shown_as is not None else {}),
        **page_frame(view, config_line(result), result.cols.out),
        "input_shape": body["input_shape"],
        "output_shape": body["output_shape"],
        "config": body["config"],
        "formula": body["formula"],
        "simple_formula": {
            "h": result.rows.simple_formula("out_h"),
            "w": result.cols.simple_formula("out_w"),
        },
        "input": result.input[item, :, :, channel],
        "output": result.output[item, :, :, channel],
        "windows": body["windows"],
        "coverage": result.coverage,
    }


def check_uneven_output(result: PoolResult) -> None:
    """Refuse, as a usage error, an adaptive output over :data:`PAGE_CELLS` a side (a uniform
    output is never much larger than its input, which is checked before pooling)."""
    oh, ow = result.rows.out, result.cols.out
    if result.rows.windows is not None and max(oh, ow) > PAGE_CELLS:
        raise PoolvizError(
            f"the output is {oh}x{ow}, too large for a page (at most {PAGE_CELLS}x{PAGE_CELLS} "
            f"cells); use --output-size 1-{PAGE_CELLS} a side"
        )


def fractional_shown(result: PoolResult, view: PageView) -> dict[str, Any]:
    """How a page shows fractional max pooling, which it does not recompute: its settings
    (window, output size, the samples ``u`` its seed drew) and the options that give the same
    windows again."""
    k, (oh, ow) = result.spec.size, (result.rows.out, result.cols.out)
    size = str(k[0]) if k[0] == k[1] else f"{k[0]}x{k[1]}"
    args = ["--mode", "fractional", "-k", size, "--output-size", f"{oh}x{ow}"]
    if view.seed is not None and "--seed" not in view.command:
        args += ["--seed", str(view.seed)]
    u_w, u_h = result.cols.sample or 0.0, result.rows.sample or 0.0
    return {
        "what": f"fractional max pooling ({k[0]}x{k[1]} windows to {oh}x{ow})",
        "value": "max",
        "detail": "winner at",
        "args": args,
        "fields": ["k", "o"],
        "settings": [["samples u (w, h)", f"{u_w:.4f}, {u_h:.4f}"]],
        "summary": (
            "Fractional max pooling (Graham, 2014) places its windows from one random sample u "
            "per axis: start i is int((i + u)·alpha) − int(u·alpha), the last at n − k; --seed "
            "draws the same samples again."
        ),
    }


CMAP_STOPS = 64
"""Colours of a ``--cmap`` sent to the page; it shades each value with the nearest."""


def cmap_stops(name: str) -> dict[str, Any]:
    """A matplotlib colour map as :data:`CMAP_STOPS` hex colours from low to high (matplotlib
    is imported only for a page that asks for a colour map)."""
    import matplotlib

    cmap = matplotlib.colormaps[name].resampled(CMAP_STOPS)
    colours = [matplotlib.colors.to_hex(cmap(k)) for k in range(CMAP_STOPS)]
    return {"name": name, "colours": colours}


def grad_page(
    result: GradResult, view: PageView, *, upstream: str | np.ndarray, seed: int
) -> dict[str, Any]:
    """The page data of a ``poolviz grad`` run: :func:`pool_page`'s, and the upstream gradient
    (``upstream`` and ``seed`` as given), the gradient at the input, each input cell's senders
    (from :func:`grad_json`) and, for max pooling, the unpooled output, all of one item and
    channel."""
    forward = result.forward
    item, channel = view.item, view.channel
    data = pool_page(forward, view)
    body = grad_json(
        result,
        item=item,
        channel=channel,
        upstream=upstream,
        seed=seed,
        padding=view.padding,
        source=view.source,
    )
    routes: list[list[list[list[int]]]] = [
        [[] for _ in range(forward.cols.n)] for _ in range(forward.rows.n)
    ]
    for entry in body["receivers"]:
        r, c = entry["cell"]
        routes[r][c] = entry["outputs"]
    data["kind"] = "grad"
    data["grad"] = {
        "upstream": body["grad_output_from"],
        "grad_output": result.grad_output[item, :, :, channel],
        "grad_input": result.grad_input[item, :, :, channel],
        "unpooled": None if result.unpooled is None else result.unpooled[item, :, :, channel],
        "receivers": routes,
    }
    return data


_PLACEHOLDER = re.compile(r"\{\{(title|css|data|js)\}\}")


def page_html(data: dict[str, Any]) -> str:
    """The whole page: the template with the CSS, the data and the JS inlined. Only the title
    is markup-escaped; everything else the user gave travels inside the data block."""
    here = files("poolviz.render.html")
    parts = {
        "title": html.escape(_encodable(str(data["title"]))),
        "css": here.joinpath("page.css").read_text(encoding="utf-8"),
        "data": data_block(data),
        "js": here.joinpath("page.js").read_text(encoding="utf-8"),
    }
    template = here.joinpath("template.html").read_text(encoding="utf-8")
    # one pass, so that nothing inserted is scanned for placeholders again
    return _PLACEHOLDER.sub(lambda m: parts[m[1]], template)


def _encodable(text: str) -> str:
    """``text`` with lone surrogates (undecodable bytes of a file name) as U+FFFD, so that it
    can be written as UTF-8."""
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


_SCRIPT_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def data_block(data: dict[str, Any]) -> str:
    """``data`` as strict JSON text that can sit inside a ``<script>`` element: ASCII only
    (a file name's undecodable bytes and line separators as JSON escapes) and no ``<``, ``>``
    or ``&`` (so no ``</script>`` or ``<!--``), each written as a JSON escape that parses back
    to the same string."""
    text = json.dumps(plain(data), allow_nan=False, separators=(",", ":"))
    return re.sub("[<>&]", lambda m: _SCRIPT_SAFE[m[0]], text)


def write_page(data: dict[str, Any], path: Path) -> None:
    """Write the page to ``path``, complete or not at all."""
    text = page_html(data)
    with atomic_output(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
