"""The interactive page of ``pool`` and ``grad``: ``-o lesson.html`` writes it, ``--html`` writes
a temporary one and opens it in the browser. Wiring only: the page is
:mod:`poolviz.render.html.page`'s."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import numpy as np
from click.core import ParameterSource

from poolviz.errors import PoolvizError

if TYPE_CHECKING:  # the types alone: wiring imports what it runs where it runs it
    from poolviz.cli.display import ViewArgs
    from poolviz.cli.values import Padding
    from poolviz.engine.blur import BlurRun
    from poolviz.engine.lp import LPRun
    from poolviz.loaders import LoadedInput
    from poolviz.render.html.page import PageView

F = TypeVar("F", bound=Callable[..., Any])


def html_option(f: F) -> F:
    """Add ``--html``: write the page to a temporary file and open it (``-o x.html`` writes
    it where you say)."""
    return click.option(
        "--html",
        "as_html",
        is_flag=True,
        help="Open the interactive page in the browser (a temporary file; -o FILE.html keeps it).",
    )(f)


def wanted(kwargs: Mapping[str, Any], as_json: bool) -> bool:
    """Whether to write the page: ``-o`` ends in ``.html``, or ``--html`` was given.
    ``--html`` with ``--json`` or with another ``-o`` format is a usage error, and so is a
    figure option a page cannot honour (see :func:`check_page_options`)."""
    output: Path | None = kwargs["output"]
    is_page = output is not None and output.suffix.lower() == ".html"
    if not kwargs["as_html"]:
        if is_page:
            check_page_options()
        return is_page
    if as_json:
        raise PoolvizError("--html and --json cannot be combined; give one of them")
    if output is not None and not is_page:
        raise PoolvizError(
            f"--html opens a page, not {output.name}; give -o a file ending in .html, or leave "
            "-o out"
        )
    check_page_options()
    return True


FIGURE_ONLY = ("dpi", "figsize", "theme", "aspect")
"""Options that dress a matplotlib figure and mean nothing on a page, which the browser
sizes and zooms (``--cmap``, ``--font-scale``, ``--steps`` and ``--title`` apply to it)."""


def check_page_options() -> None:
    """Refuse, as a usage error, any of :data:`FIGURE_ONLY` given on the command line (or
    from the environment) of a command writing a page, rather than ignore it."""
    ctx = click.get_current_context()
    given = [
        "--" + name
        for name in FIGURE_ONLY
        if name in ctx.params
        and ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT)
    ]
    if given:
        raise PoolvizError(
            f"{', '.join(given)} {'dresses a figure' if len(given) == 1 else 'dress figures'}, "
            "not a page, which the browser sizes; drop "
            f"{'it' if len(given) == 1 else 'them'} (a page takes --title, --cmap, "
            "--font-scale and --steps)"
        )


def given_steps(view: ViewArgs) -> int | None:
    """The step table's rows on a page: every window unless ``--steps N`` was given (its
    default of 16 is the terminal's; the page's cursor steps through all windows anyway)."""
    source = click.get_current_context().get_parameter_source("steps")
    return None if source in (None, ParameterSource.DEFAULT) else view.steps


def input_command(command: str, kwargs: Mapping[str, Any], loaded: LoadedInput | None) -> list[str]:
    """The command line that reads the same input and shows the same item and channel
    (``poolviz pool --sample seed5x5 --channel 1``); the page adds its settings to it."""
    args = ["poolviz", command]
    if kwargs["input"] is not None:
        args.append(kwargs["input"])
    elif kwargs["sample"] is not None:
        args += ["--sample", kwargs["sample"]]
    elif loaded is not None:
        args += ["-m", matrix_text(loaded.array)]
    if kwargs["gray"]:
        args.append("--gray")
    if kwargs["resize"] is not None:
        args += ["--resize", "{}x{}".format(*kwargs["resize"])]
    if kwargs["scale"] is not None:
        args += ["--scale", f"{kwargs['scale']:g}"]
    if kwargs["layout"] != "nhwc":
        args += ["--layout", kwargs["layout"]]
    if kwargs["item"]:
        args += ["--item", str(kwargs["item"])]
    if kwargs["channels"]:
        args += ["--channel", str(kwargs["channels"][0])]
    return args


def upstream_args(given: str | np.ndarray, seed: int) -> list[str]:
    """``--grad-output`` (and ``--seed``) as given to ``poolviz grad``; nothing for ones."""
    if isinstance(given, str):
        return ["--grad-output", "random", "--seed", str(seed)] if given == "random" else []
    return ["--grad-output", matrix_text(given)]


def matrix_text(array: np.ndarray) -> str:
    """An inline matrix as ``-m`` reads it back exactly: ``1 3; 5 6``, channels split by ``|``."""

    def number(v: float) -> str:
        text = repr(float(v))
        return text[:-2] if text.endswith(".0") else text

    planes = [array] if array.ndim == 2 else [array[:, :, c] for c in range(array.shape[2])]
    return " | ".join(
        "; ".join(" ".join(number(v) for v in row) for row in plane) for plane in planes
    )


def check_size(x: np.ndarray, command: list[str], loaded: LoadedInput | None) -> None:
    """Refuse an input too large for a page (see :func:`check_page_size`), with a hint that
    runs the same command on a shrunk image."""
    import shlex

    from poolviz.engine.windows import as_nhwc
    from poolviz.render.html.page import PAGE_CELLS, check_page_size

    shape = as_nhwc(x).shape
    side = max(shape[1], shape[2])
    hint = None
    shrunk = "--scale" in command or "--resize" in command
    if loaded is not None and loaded.kind in ("image", "sample") and not shrunk:
        factor = int(100 * PAGE_CELLS / side) / 100
        hint = "try: " + shlex.join([*command, "--scale", f"{factor:g}", "-o", "lesson.html"])
    check_page_size(shape, "the input" if loaded is None else loaded.name, hint)


def page_view(
    view: ViewArgs,
    padding: Padding,
    source: LoadedInput | str,
    notes: tuple[str, ...],
    command: list[str],
    kwargs: Mapping[str, Any],
) -> PageView:
    """What the page shows: the view options' item, channel, cell and step rows, and
    ``--title``, ``--cmap``, ``--font-scale`` and ``--seed``."""
    from poolviz.render.html.page import PageLook, PageView

    look = PageLook(given_steps(view), kwargs.get("cmap"), kwargs.get("font_scale", 1.0))
    seed = click.get_current_context().params.get("seed")
    return PageView(
        view.item,
        view.channel,
        padding,
        source,
        notes,
        kwargs["title"],
        command,
        view.at,
        look,
        seed,
    )


def lp_blur_page(
    run: LPRun | BlurRun,
    view: ViewArgs,
    source: LoadedInput | str,
    notes: tuple[str, ...],
    kwargs: Mapping[str, Any],
    grad: tuple[np.ndarray, str | np.ndarray, int] | None = None,
) -> None:
    """Write the page of an LP or blur run (``pool --mode lp|blur -o x.html``): drawn from the
    run's numbers, its settings shown as given (the page recomputes neither kind). With
    ``grad`` (the NHWC upstream gradient, ``--grad-output`` as given, ``--seed``), the page of
    ``grad --mode lp|blur``."""
    from poolviz.engine.lp import LPRun
    from poolviz.render.html.lp_blur import blur_page, lp_blur_grad_page, lp_page

    loaded = None if isinstance(source, str) else source
    command = input_command("pool" if grad is None else "grad", kwargs, loaded)
    if grad is not None:
        command += upstream_args(grad[1], grad[2])
    check_size(run.input, command, loaded)
    view.check(run.input.shape, run.output.shape)
    shown = page_view(view, 0, source, notes, command, kwargs)
    args = lp_args(run) if isinstance(run, LPRun) else blur_args(run)
    if grad is not None:
        data = lp_blur_grad_page(run, shown, args, *grad)
    elif isinstance(run, LPRun):
        data = lp_page(run, shown, args)
    else:
        data = blur_page(run, shown, args)
    save_page(data, kwargs)


def _pair_arg(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


def lp_args(run: LPRun) -> list[str]:
    """The options that give ``run`` again: ``--mode lp --norm-type 2 -k 2`` (and ``-s``,
    ``--ceil-mode`` where they are not the defaults)."""
    args = ["--mode", "lp", "--norm-type", f"{run.norm_type:g}", "-k", _pair_arg(run.size)]
    if run.stride != run.size:
        args += ["-s", _pair_arg(run.stride)]
    return [*args, "--ceil-mode"] if run.ceil_mode else args


def blur_args(run: BlurRun) -> list[str]:
    """The options that give ``run`` again: ``--mode blur -k 2`` (and ``-s``,
    ``--filter-size`` where they are not the defaults, 2 and 4)."""
    args = ["--mode", "blur", "-k", _pair_arg(run.size)]
    if run.stride != (2, 2):
        args += ["-s", _pair_arg(run.stride)]
    return [*args, "--filter-size", str(run.filter_size)] if run.filter_size != 4 else args


def save_page(data: dict[str, Any], kwargs: Mapping[str, Any]) -> None:
    """Write the page to ``-o``, or for ``--html`` alone to a new temporary file, and say
    where; with ``--html``, open it in the browser too."""
    import tempfile
    import webbrowser  # imports subprocess: only a command writing a page pays for it

    from poolviz.render.html.page import write_page

    path: Path | None = kwargs["output"]
    if path is None:
        handle, name = tempfile.mkstemp(prefix="poolviz-", suffix=".html")
        os.close(handle)
        path = Path(name)
    write_page(data, path)
    click.echo(f"wrote {path}")
    if kwargs["as_html"] and not webbrowser.open(path.resolve().as_uri()):
        click.echo("no browser found to open it; open the file yourself")
