"""The windows of an NHWC input as strided views, and the separable max and sum over them: the
one home of the indexing tricks, and the engine's fast path.

Why it is shaped so (measured against PyTorch's 1-thread CPU kernels, see ``bench/engine.py``):

- Pooling is separable. A 2-D window reduces as a pass over the window's rows (one strided
  view per row offset, each covering every output row at once) and a pass over its columns.
  That is ``kh + kw`` array operations instead of ``kh * kw``, each over long runs, and a
  global window costs ``H + W`` operations, not ``H * W``. Reductions over a small window
  axis (``sliding_window_view(...).max``, reshapes) were 1.7-3x slower than PyTorch.
- Values (max and sum) take the rows first: that pass runs over whole contiguous input rows,
  leaving the column pass, whose runs are one pixel long, the smaller array. The argmax takes
  the columns first, because its ties go to the first maximum in row-major order; of the
  values, only the sign of a zero maximum can tell the orders apart, and a tile where it could
  (one holding ``-0.0``) is run columns first.
- Windows that hang over the edge are clipped, never padded: for each offset, the outputs whose
  tap is a real cell form one contiguous range (:func:`axis_taps`), so there is no padded copy
  of the input. The first part of that range meets its first real cell at this offset: it is
  copied, not compared, so no fill value and no "is this the first cell?" test are needed;
  where the second offset meets the first, ``maximum(second, first)`` writes both in one pass.
- The work is cut into tiles of about :data:`TILE_BYTES` of intermediate (:func:`tiles`), so
  the first pass's result is still in cache for the second, and extra memory stays near the
  size of the output. An item (one image of a batch) of up to :data:`WHOLE_ITEM_BYTES` is
  not cut: a tile costs about 20 us of Python, and bands of a ResNet stem's 112x112x64
  images were a fifth slower than whole images; with indices, whose intermediate is larger,
  bands keep the extra memory within a fifth of the values' size. Scratch arrays are
  allocated once per call and reused by every tile.
- NumPy's elementwise loops run along the last axis, so over an image's 3 channels at a stride
  they cost about 1 ns per number, 5-10x a contiguous loop, and over 64 channels 3x. The
  column pass therefore first splits its input's columns by phase (index mod stride, whole
  pixels at a time, :func:`tap_inputs`) where pixels are short (:data:`SHORT_PIXEL`), and
  always for the argmax, which reads each tap twice; the taps then read contiguous runs. A
  phase that one tap alone reads, at its outputs' own positions, takes the pass's result in
  place (:func:`spare_phase`: a ResNet stem's even columns), so the pass needs no array of its own.
- The argmax rides along as an offset code: tap (a, b)'s distance ``a * steps[0] + b *
  steps[1]`` from its window's first cell in the flattened input (one byte for a 3x3 window
  on rows of up to 127 cells), so that a flat index is the code plus the window's start: a
  cast and an add, where a table lookup per code (``np.take``) cost four times as much.
  Offsets are visited in rising order, and among a window's real cells their codes rise too,
  so "this offset wins where strictly greater" is ``maximum(code, greater * offset)``: cheap
  operations on small integers. NaN (which wins, the last one in window order) is tested
  only in a tile whose maxima hold a NaN, by running it again.
- Ties keep the earlier value: ``np.maximum(new, best)`` returns its second argument when the
  two are equal, which decides between ``-0.0`` and ``0.0`` as PyTorch does.
- Tap lists and tiles are cached per geometry: for small inputs the fixed cost per call is
  what remains.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from poolviz.engine.geometry import Axis
from poolviz.errors import PoolvizError

TILE_BYTES = 1 << 20
"""Target size of one tile's intermediate arrays."""

WHOLE_ITEM_BYTES = 8 << 20
"""Largest intermediate of one item that is still one tile, above :data:`TILE_BYTES`."""

SHORT_PIXEL = 128
"""Pixels of at most this many bytes are split by phase before the values' column pass (a
ResNet stem's 64 float32 channels are not: their 256-byte runs are long enough, and gathering
them made its max pooling a fifth slower)."""


@dataclass(frozen=True)
class Tap:
    """One window offset along an axis: output cells ``out`` read input cells ``inp``."""

    offset: int
    """Position of the tap inside the window, 0 .. size-1."""
    out: slice
    """Output indices (relative to the tile) whose tap at ``offset`` is a real cell."""
    inp: slice
    """The input indices they read, in the same order (relative to the tile's input block)."""
    fresh: int = 0
    """How many of the first outputs of ``out`` meet their first real cell at this offset; the
    rest already hold a value from a smaller offset."""

    def split(self, count: int | None = None) -> tuple[tuple[slice, slice], tuple[slice, slice]]:
        """``(out, inp)`` of the first ``count`` outputs (default: the fresh ones), then of the
        rest."""
        k = self.fresh if count is None else count
        o, i = self.out, self.inp
        step = i.step or 1
        mid_in = i.start + k * step
        return (
            (slice(o.start, o.start + k), slice(i.start, mid_in, step)),
            (slice(o.start + k, o.stop), slice(mid_in, i.stop, step)),
        )


def axis_taps(ax: Axis, lo: int = 0, hi: int | None = None, base: int = 0) -> list[Tap]:
    """The taps of windows ``lo .. hi-1`` of ``ax``, offsets in rising order; input slices are
    relative to input index ``base``. Offsets whose tap is padding for every window are left
    out."""
    return list(window_taps(ax, lo, hi, base))


@lru_cache(maxsize=4096)
def window_taps(ax: Axis, lo: int = 0, hi: int | None = None, base: int = 0) -> tuple[Tap, ...]:
    """:func:`axis_taps` as a cached tuple. Window ``i``'s real taps are a contiguous run of offsets
    (both ends of each tap's output range fall as the offset rises), so an output is fresh at
    a tap exactly when it lies below the previous tap's range."""
    hi = ax.out if hi is None else hi
    s, d, pb = ax.stride, ax.dilation, ax.pad_before
    taps: list[Tap] = []
    prev_first = hi
    for j in range(ax.size):
        shift = j * d - pb  # input index of window i's tap j is i*s + shift
        first = max(lo, -(shift // s))  # smallest i with i*s + shift >= 0: ceil(-shift / s)
        last = min(hi - 1, (ax.n - 1 - shift) // s)  # largest i with i*s + shift <= n-1
        if first > last:
            continue
        start = first * s + shift - base
        taps.append(
            Tap(
                j,
                slice(first - lo, last + 1 - lo),
                slice(start, start + (last - first) * s + 1, s),
                max(0, min(last + 1, prev_first) - first),
            )
        )
        prev_first = first
    return tuple(taps)


def empty_windows(ax: Axis) -> np.ndarray:
    """Boolean mask over ``ax``'s windows: True where the window holds no real cell (possible
    with dilation and padding)."""
    empty = np.ones(ax.out, dtype=bool)
    for tap in window_taps(ax, 0, ax.out, 0):
        empty[tap.out] = False
    return empty


@lru_cache(maxsize=256)
def empty_indices(ax: Axis) -> tuple[int, ...]:
    """The positions of ``ax``'s windows over padding alone (usually none), cached."""
    return tuple(int(i) for i in np.flatnonzero(empty_windows(ax)))


def input_rows(ax: Axis, lo: int, hi: int) -> tuple[int, int]:
    """The input range ``[start, stop)`` that windows ``lo .. hi-1`` read (clipped)."""
    start = lo * ax.stride - ax.pad_before
    stop = (hi - 1) * ax.stride - ax.pad_before + ax.span
    return max(0, start), min(ax.n, stop)


@dataclass(frozen=True)
class Tile:
    """A block of the output: batch items ``items`` and output rows ``rows``, with the input
    rows ``inp`` they read and the row taps relative to both."""

    items: slice
    rows: slice
    inp: slice
    row_taps: tuple[Tap, ...]
    empty_rows: tuple[int, ...]
    """Output rows of the tile (relative) whose windows hold no real row."""


def spans(n: int, out_rows: int, row_bytes: int, budget: int) -> list[tuple[slice, int, int]]:
    """Blocks (items, first output row, end row) of an output of ``n`` items by ``out_rows``
    rows whose intermediate, about ``row_bytes`` per output row, is near ``budget`` bytes:
    whole items where one fits, else bands of output rows within one item, of equal height
    (a thin last band would cost a tile's Python for little work)."""
    per_row = max(1, row_bytes)
    per_item = per_row * out_rows
    if per_item <= budget:
        step = max(1, budget // max(per_item, 1))
        return [(slice(i, min(n, i + step)), 0, out_rows) for i in range(0, n, step)]
    band = max(1, budget // per_row)
    band = -(-out_rows // -(-out_rows // band))  # as many bands, of equal rows: no thin last one
    return [
        (slice(i, i + 1), lo, min(out_rows, lo + band))
        for i in range(n)
        for lo in range(0, out_rows, band)
    ]


@lru_cache(maxsize=256)
def tiles(
    n: int, rows: Axis, row_bytes: int, budget: int = TILE_BYTES, whole: int = WHOLE_ITEM_BYTES
) -> tuple[Tile, ...]:
    """Cut an output of ``n`` items by ``rows.out`` rows into tiles whose intermediate (about
    ``row_bytes`` per output row) is near ``budget`` bytes: whole items where one fits,
    otherwise bands of rows within one item; an item of up to ``whole`` bytes is a tile of
    its own."""
    if row_bytes * rows.out <= whole:
        budget = max(budget, row_bytes * rows.out)
    empty = empty_indices(rows)
    made: dict[tuple[int, int], tuple[slice, tuple[Tap, ...], tuple[int, ...]]] = {}
    out = []
    for items, lo, hi in spans(n, rows.out, row_bytes, budget):
        if (lo, hi) not in made:
            r0, r1 = input_rows(rows, lo, hi)
            made[lo, hi] = (
                slice(r0, r1),
                window_taps(rows, lo, hi, r0),
                tuple(i - lo for i in empty if lo <= i < hi),
            )
        inp, row_taps, empty_rows = made[lo, hi]
        out.append(Tile(items, slice(lo, hi), inp, row_taps, empty_rows))
    return tuple(out)


def in_band_order(cut: tuple[Tile, ...]) -> list[Tile]:
    """``cut`` ordered band by band (each band's items in turn), for a loop that keeps
    something per band of rows; an item's bands keep their order."""
    return sorted(cut, key=lambda tile: tile.rows.start)


class Scratch:
    """Flat buffers reused by every tile of one call, each viewed in the shape a tile needs."""

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}
        self._views: dict[tuple[str, tuple[int, ...], Any], np.ndarray] = {}
        """The views handed out, by name, shape and dtype: tiles ask for the same ones."""

    def get(self, name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """A scratch array ``name`` of ``shape`` and ``dtype`` (contents undefined). A buffer
        too small is dropped, with its views, before its successor is made, so the two never
        coexist."""
        key = (name, shape, dtype)
        if (view := self._views.get(key)) is not None:
            return view
        size = math.prod(shape)
        buf = self._buffers.get(name)
        if buf is None or buf.size < size or buf.dtype != dtype:
            del buf
            self._buffers.pop(name, None)
            self._views = {k: v for k, v in self._views.items() if k[0] != name}
            buf = np.empty(size, dtype=dtype)
            self._buffers[name] = buf
        view = self._views[key] = buf[:size].reshape(shape)
        return view


def code_dtype(cells: int) -> np.dtype[Any]:
    """The smallest unsigned type that holds window offset codes ``0 .. cells-1``."""
    for dt in (np.uint8, np.uint16, np.uint32):
        if cells - 1 <= np.iinfo(dt).max:
            return np.dtype(dt)
    return np.dtype(np.uint64)


def _along(axis: int, index: slice) -> tuple[slice, ...]:
    """An index that applies ``index`` to axis ``axis`` of a 4-D array."""
    return (slice(None),) * axis + (index,)


def _fold(
    best: np.ndarray,
    code: np.ndarray | None,
    reads: list[tuple[Tap, np.ndarray]],
    src_code: np.ndarray | None,
    axis: int,
    scale: int,
    scratch: Scratch,
    nan: bool,
) -> None:
    """Max over ``reads`` (each tap along ``axis`` with the array it reads, as
    :func:`tap_inputs` gives them) into ``best``. With ``code``, also the offset code of the
    winner: ``tap.offset * scale``, plus ``src_code`` where given; where equal, the earlier
    offset keeps it; with ``nan`` a NaN wins too (the last one). ``best`` may be the array
    of :func:`spare_phase`'s tap.

    The first tap is not copied where the second compares with it: ``maximum(second, first)``
    writes both at once, one pass fewer."""
    pending = reads[0] if _pending([tap for tap, _ in reads]) else None
    for tap, source in reads:
        if pending is not None and tap is pending[0]:
            continue
        (fresh_out, fresh_in), (cmp_out, cmp_in) = tap.split()
        _put(best, code, source, src_code, fresh_out, fresh_in, tap.offset, axis, scale)
        if cmp_out.stop <= cmp_out.start:
            continue
        at, frm = _along(axis, cmp_out), _along(axis, cmp_in)
        old = best[at]
        # the codes the outputs hold: the first tap's are a constant (or its src_code) and,
        # like its values, are not written where the second tap compares with them
        held: np.ndarray | int | None = None if code is None else code[at]
        if pending is not None:  # cmp_out is a prefix of the first tap's outputs
            first, first_src = pending
            (first_out, first_in), (rest_out, rest_in) = first.split(_length(cmp_out))
            _put(best, code, first_src, src_code, rest_out, rest_in, first.offset, axis, scale)
            old = first_src[_along(axis, first_in)]
            if src_code is None:
                held = first.offset * scale
            elif first.offset == 0:
                held = src_code[_along(axis, first_in)]
            else:
                offset = first.offset
                _put(None, code, first_src, src_code, first_out, first_in, offset, axis, scale)
            pending = None
        new = source[frm]
        if code is not None and held is not None:
            won: np.ndarray | int = tap.offset * scale
            if src_code is not None:
                won = np.add(src_code[frm], won, out=scratch.get("won", new.shape, code.dtype))
            _take(code[at], held, new, old, won, nan, scratch)
        np.maximum(new, old, out=best[at])


def _take(
    code: np.ndarray,
    held: np.ndarray | int,
    new: np.ndarray,
    old: np.ndarray,
    won: np.ndarray | int,
    nan: bool,
    scratch: Scratch,
) -> None:
    """``code`` becomes ``won`` where ``new`` beats ``old`` (is greater, or with ``nan`` is
    NaN), else ``held``: the codes the outputs hold now (``code`` itself, or a constant or the
    first tap's codes where those were never written).

    Codes rise with the offset: the new one is larger than any already held, so the update
    is ``maximum(held, greater * won)``, cheap operations on small integers."""
    fresh = isinstance(held, int) and held == 0
    take = code if fresh else scratch.get("take", new.shape, code.dtype)
    # 1 where the new tap wins, in the code's type (a one-byte one written as bool)
    np.greater(new, old, out=take.view(np.bool_) if take.itemsize == 1 else take)
    if nan:
        take[np.isnan(new)] = 1
    if not isinstance(won, int):
        np.multiply(take, won, out=take)
    elif won != 1:
        np.multiply(take, code.dtype.type(won), out=take)
    if not fresh:
        np.maximum(take, code.dtype.type(held) if isinstance(held, int) else held, out=code)


def tap_inputs(
    src: np.ndarray, ax: Axis, pixel: np.dtype[Any] | None, scratch: Scratch
) -> list[tuple[Tap, np.ndarray]]:
    """Each column tap of ``ax`` (:func:`window_taps`) with an array of the 4-D ``src`` it
    reads contiguously: with a column stride, ``src``'s columns split by index mod stride
    (phase ``p`` holds columns ``p, p + stride, ...``; each phase a tap reads is copied once,
    whole pixels of type ``pixel`` at a time), the tap's input slice rewritten to index its
    phase (:func:`phase_taps`); without one, or with ``pixel`` None (pixels too long to gain
    from it), ``src`` itself.

    NumPy's elementwise loops run along the last axis: over a pixel's channels at a column
    stride they restart every pixel, and cost 1 ns per number over 3 channels, a third of
    that over 64, where a contiguous loop costs a tenth (over a few channels, a copy of
    12-byte items costs half as much)."""
    taps = phase_taps(ax)
    if not taps or pixel is None:
        return [(tap, src) for tap in window_taps(ax)]
    phases: dict[int, np.ndarray] = {}
    for p, _ in taps:
        if p not in phases:
            view = src[:, :, p :: ax.stride]
            phases[p] = scratch.get(f"phase{p}", view.shape, view.dtype)
            np.copyto(phases[p].view(pixel), view.view(pixel))
    return [(tap, phases[p]) for p, tap in taps]


@lru_cache(maxsize=256)
def phase_taps(ax: Axis) -> tuple[tuple[int, Tap], ...]:
    """Each tap of ``ax`` with its phase (input index mod stride) and its input slice
    rewritten to index that phase's columns (:func:`tap_inputs`); empty without a stride."""
    if ax.stride == 1:
        return ()
    out = []
    for tap in window_taps(ax):
        start = tap.inp.start // ax.stride
        inp = slice(start, start + _length(tap.out))
        out.append((tap.inp.start % ax.stride, Tap(tap.offset, tap.out, inp, tap.fresh)))
    return tuple(out)


def accumulate(
    view: np.ndarray, part: np.ndarray, pixel: np.dtype[Any] | None, scratch: Scratch
) -> None:
    """``view += part`` for a strided ``view`` (of a contiguous array) and a contiguous
    ``part``; with ``pixel``, through a copy moved whole pixels at a time (see
    :func:`tap_inputs`)."""
    if pixel is None:
        np.add(view, part, out=view)
        return
    dense = scratch.get("accumulate", view.shape, view.dtype)
    np.copyto(dense.view(pixel), view.view(pixel))
    np.add(dense, part, out=dense)
    np.copyto(view.view(pixel), dense.view(pixel))


def pixel_type(x: np.ndarray, limit: int | None = SHORT_PIXEL) -> np.dtype[Any] | None:
    """A void type covering one pixel's channels, when there are several, contiguous (and at
    most ``limit`` bytes, unless None); else None."""
    c = x.shape[3]
    too_long = limit is not None and c * x.itemsize > limit
    if c < 2 or too_long or x.strides[3] != x.itemsize:
        return None
    return np.dtype((np.void, c * x.itemsize))


@lru_cache(maxsize=256)
def spare_phase(ax: Axis) -> int | None:
    """The position in ``window_taps(ax)`` of the tap that may fold into its own phase's copy
    (:func:`phase_taps`), if one may: it alone reads its phase, each output at the output's
    own position, and no tap writes an output before it reads it (it is the first tap, or the
    second after a first that waits for it, :func:`_pending`). A fold over the phases then
    needs no array of its own: each output overwrites the one input only it reads."""
    if not (read := phase_taps(ax)):
        return None
    phases = [p for p, _ in read]
    taps = [tap for _, tap in read]
    for i in (0, 1) if _pending(taps) else (0,):
        if phases.count(phases[i]) == 1 and taps[i].inp.start == taps[i].out.start:
            return i
    return None


def _pending(taps: Sequence[Tap]) -> Tap | None:
    """The first tap, when the second compares with some of its outputs (else None)."""
    if len(taps) > 1 and taps[1].fresh < _length(taps[1].out):
        return taps[0]
    return None


def _length(index: slice) -> int:
    """The length of a slice with start <= stop and no step."""
    return int(index.stop - index.start)


def _put(
    best: np.ndarray | None,
    code: np.ndarray | None,
    src: np.ndarray,
    src_code: np.ndarray | None,
    out: slice,
    inp: slice,
    offset: int,
    axis: int,
    scale: int,
) -> None:
    """Copy one tap's values (unless ``best`` is None) and codes into outputs ``out``."""
    if out.stop <= out.start:
        return
    at, frm = _along(axis, out), _along(axis, inp)
    if best is not None:
        np.copyto(best[at], src[frm])
    if code is not None:
        if src_code is None:
            code[at] = offset * scale
        else:
            np.add(src_code[frm], offset * scale, out=code[at])


def fill_value(dtype: np.dtype[Any]) -> float | int | bool:
    """The identity of max for ``dtype``: what a window over padding alone holds."""
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind == "b":
        return False
    return int(np.iinfo(dtype.type).min)


def max_windows(
    x: np.ndarray,
    tile: Tile,
    cols: Axis,
    dest: np.ndarray,
    code: np.ndarray | None,
    scratch: Scratch,
    steps: tuple[int, int] = (0, 0),
) -> None:
    """The max of every window of ``tile`` of the 4-D ``x`` into ``dest`` (the tile's output
    shape), and with ``code`` the winner's offset code ``a * steps[0] + b * steps[1]`` (row
    offset a, column offset b; the steps must make the codes of a window's real cells rise in
    row-major order, as a flat index's do): the first maximum in row-major window order, or
    the last NaN. Windows over padding alone hold :func:`fill_value` and a meaningless code.

    Values alone take the rows first: that pass runs over whole input rows, and the strided
    column pass over a smaller array (a third faster on many channels). Only the argmax's tie
    order needs the columns first, and of the values only the sign of a zero can tell the two
    orders apart: a tile where it could is run again columns first."""
    block = x[tile.items, tile.inp]
    fill = fill_value(x.dtype)
    if code is None:
        rowmax = scratch.get("rowmax", (*dest.shape[:2], *block.shape[2:]), x.dtype)
        for i in tile.empty_rows:
            rowmax[:, i] = fill
        _fold(rowmax, None, [(tap, block) for tap in tile.row_taps], None, 1, 0, scratch, False)
        for j in empty_indices(cols):
            dest[:, :, j] = fill
        reads = tap_inputs(rowmax, cols, pixel_type(rowmax), scratch)
        _fold(dest, None, reads, None, 2, 1, scratch, False)
        if not _zero_ties(block, dest):
            return
    shape = (block.shape[0], block.shape[1], dest.shape[2], block.shape[3])
    colcode = None if code is None else scratch.get("colcode", shape, code.dtype)
    pixel = pixel_type(x, None)  # every tap is read twice (compared, then taken)
    spare = spare_phase(cols)
    for nan in (False, True):
        reads = tap_inputs(block, cols, pixel, scratch)
        phase = None if spare is None else reads[spare][1]  # the input itself without pixel
        if phase is not None and phase is not block and phase.shape[2] >= shape[2]:
            colmax = phase[:, :, : shape[2]]
        else:
            colmax = scratch.get("colmax", shape, x.dtype)
        _fold(colmax, colcode, reads, None, 2, steps[1], scratch, nan)
        for j in empty_indices(cols):  # after the fold: colmax may hold its input until then
            colmax[:, :, j] = fill
            if colcode is not None:
                colcode[:, :, j] = 0
        for i in tile.empty_rows:
            dest[:, i] = fill
            if code is not None:
                code[:, i] = 0
        _fold(
            dest, code, [(tap, colmax) for tap in tile.row_taps], colcode, 1, steps[0], scratch, nan
        )
        # NaN propagates through maximum: a tile without NaN in its maxima had none to find
        if code is None or x.dtype.kind != "f" or dest.size == 0 or not np.isnan(dest.max()):
            return


def _zero_ties(block: np.ndarray, dest: np.ndarray) -> bool:
    """Whether some window's maximum in ``dest`` is a zero while ``block`` holds a ``-0.0``:
    only then can the order of the passes decide the sign of a result."""
    if block.dtype.kind != "f" or not (dest == 0).any():
        return False
    return bool(np.signbit(block[block == 0]).any())


def sum_windows(x: np.ndarray, tile: Tile, cols: Axis, dest: np.ndarray, scratch: Scratch) -> None:
    """The sum of every window's real cells of ``tile`` of the 4-D ``x`` into ``dest`` (the
    tile's output shape, in the dtype to sum in), added in PyTorch's order: from 0, row by row,
    each row left to right, one tap at a time, so the sums are its to the bit.

    That is ``kh * kw`` additions over the output where a separable sum (rows, then columns)
    takes ``kh + kw`` over larger arrays. What costs is reading a few-channel input at a column
    stride: such an input's columns are first split by phase (:func:`tap_inputs`), once per
    tile, so that every tap reads contiguous runs."""
    block = x[tile.items, tile.inp]
    dest[...] = 0
    pixel = pixel_type(block)
    reads = tap_inputs(block, cols, pixel, scratch)
    columns = [(ct.out, src[:, :, ct.inp]) for ct, src in reads]  # each column tap's input
    for rt in tile.row_taps:
        for out, src in columns:
            target = dest[:, rt.out, out]
            np.add(target, src[:, rt.inp], out=target, dtype=dest.dtype, casting="unsafe")


def as_nhwc(x: object, empty_channels: bool = False) -> np.ndarray:
    """``x`` as a 4-D NHWC array (a view where possible; never modified). (H, W) and (H, W, C)
    gain unit batch and channel axes. An empty batch is allowed, zero channels only with
    ``empty_channels`` (PyTorch's adaptive average pooling takes them; the rest refuse)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise PoolvizError(
            f"cannot pool an array of dtype {arr.dtype}; use real numbers (float, int or bool)"
        )
    if arr.ndim == 2:
        arr = arr[None, :, :, None]
    elif arr.ndim == 3:
        arr = arr[None]
    elif arr.ndim != 4:
        raise PoolvizError(
            f"input has {arr.ndim} dimensions; use (H, W), (H, W, C) or (N, H, W, C)"
        )
    if arr.shape[1] == 0 or arr.shape[2] == 0:
        raise PoolvizError(
            f"input has height {arr.shape[1]} and width {arr.shape[2]}; both must be at least 1"
        )
    if arr.shape[3] == 0 and not empty_channels:
        # as PyTorch: only the batch may be empty
        raise PoolvizError(
            "input has 0 channels; every axis but the batch must be at least 1 "
            "(an empty batch, N = 0, is fine)"
        )
    return arr


def like_input(result: np.ndarray, ndim: int) -> np.ndarray:
    """A 4-D NHWC result back in the rank of the input it came from."""
    view: np.ndarray = result
    if ndim == 2:
        view = result[0, :, :, 0]
    elif ndim == 3:
        view = result[0]
    return view
