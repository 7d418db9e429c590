"""Max vs average vs global pooling vs a strided convolution on one input, each output
and what each keeps of the input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from poolviz.demos.pooling import BlurPooling, Pooling
from poolviz.engine.backward import max_unpool2d
from poolviz.engine.explain import PoolResult
from poolviz.engine.geometry import Axis, IntPair, PaddingArg, PoolSpec, axis, axis_padding
from poolviz.engine.pooling import global_pool2d
from poolviz.engine.uneven import adaptive_pool2d
from poolviz.engine.windows import as_nhwc
from poolviz.errors import PoolvizError


@dataclass(frozen=True)
class Operation:
    """One way to shrink the input, and what it costs and keeps."""

    key: str
    """``max``, ``avg``, ``adaptive_avg``, ``blur``, ``global_max``, ``global_avg`` or
    ``conv``."""
    name: str
    output: np.ndarray | None
    """NHWC; None when the configuration does not allow this operation (see ``note``)."""
    params: int
    """Parameters of the operation as run here: 0 for pooling; for the convolution its
    k·k weights per channel (a depthwise convolution, no bias)."""
    kept_fraction: float | None
    """Output values per input value, per channel."""
    reconstruction: np.ndarray | None = None
    """The input rebuilt from the output (max-unpooling or nearest-neighbour upsampling),
    NHWC; None where not defined."""
    reconstruction_error: float | None = None
    """Mean absolute difference between the input and ``reconstruction``."""
    rebuilt_by: str | None = None
    """How ``reconstruction`` was made."""
    learned_params: int | None = None
    """For the convolution: parameters of the full ``Conv2D(C, k, strides=s)`` a network
    would learn, k·k·C·C + C."""
    note: str | None = None
    """Why the operation or its reconstruction is missing."""


@dataclass(frozen=True)
class Comparison:
    """The text's alternatives to max pooling, all run on one input."""

    pooled: PoolResult
    """The max pooling run: the input (NHWC), the configuration and the window geometry."""
    weights: np.ndarray
    """The convolution's fixed (kh, kw) weights."""
    operations: tuple[Operation, ...]
    overlapping: bool
    """Whether windows overlap (stride below the window's span), so no reconstruction."""

    @property
    def input(self) -> np.ndarray:
        return self.pooled.input

    @property
    def spec(self) -> PoolSpec:
        return self.pooled.spec

    def operation(self, key: str) -> Operation:
        """The operation called ``key``."""
        (found,) = [op for op in self.operations if op.key == key]
        return found

    @property
    def conv_equals_average(self) -> bool:
        """Whether the convolution's output is exactly average pooling's (the averaging
        kernel over windows without padding)."""
        conv, avg = self.operation("conv").output, self.operation("avg").output
        return (
            conv is not None
            and avg is not None
            and conv.shape == avg.shape
            and bool(np.allclose(conv, avg, rtol=1e-12, atol=1e-12, equal_nan=True))
        )


def averaging_kernel(size: IntPair) -> np.ndarray:
    """The (kh, kw) kernel of equal weights summing to 1: a convolution that averages."""
    kh, kw = (size, size) if isinstance(size, int) else size
    return np.full((kh, kw), 1.0 / (kh * kw))


CONV_WORK = 2**31
"""The most multiply-adds :func:`depthwise_conv2d` runs (some seconds): compare's kernel is
the window, and ``-k 100000`` would need 10**10 weights before a single one was used."""


def conv_axes(
    shape: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: IntPair,
    padding: PaddingArg = 0,
    dilation: IntPair = 1,
) -> tuple[Axis, Axis]:
    """The windows of a (kh, kw) ``kernel`` over an NHWC input of ``shape``; raises
    PoolvizError where the kernel does not fit, or where the convolution would take more
    than :data:`CONV_WORK` multiply-adds."""
    n, h, wd, c = shape
    kh, kw = kernel
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
    ph, pw = axis_padding(padding)
    rows = axis(h, kh, sh, ph, dh, name="height", pooling=False)
    cols = axis(wd, kw, sw, pw, dw, name="width", pooling=False)
    work = kh * kw * rows.out * cols.out * n * c
    if work > CONV_WORK:
        raise PoolvizError(
            f"a {kh}x{kw} convolution over this input would take {work:,} multiply-adds, "
            f"more than poolviz runs ({CONV_WORK:,}); use a smaller --size or a larger --stride"
        )
    return rows, cols


def depthwise_conv2d(
    x: np.ndarray,
    weights: np.ndarray,
    stride: IntPair,
    padding: PaddingArg = 0,
    dilation: IntPair = 1,
) -> np.ndarray:
    """Each channel of NHWC ``x`` convolved with the same (kh, kw) ``weights``, zero padding,
    no bias: PyTorch's ``conv2d(..., groups=C)`` with that kernel per channel, or Keras's
    ``DepthwiseConv2D`` (``same`` is Keras's, more padding at the bottom/right).

    As deep learning frameworks do, this is cross-correlation (the kernel is not flipped):
    ``out[i, j] = sum over a, b of w[a, b] * x[i*s + a*d - p, j*s + b*d - p]``.

    >>> depthwise_conv2d(np.arange(16.0).reshape(1, 4, 4, 1), np.full((2, 2), 0.25), 2)[..., 0]
    array([[[ 2.5,  4.5],
            [10.5, 12.5]]])
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or w.size == 0:
        raise PoolvizError(
            f"convolution weights must be one 2-D matrix, got shape {w.shape}; "
            'use e.g. "0.25 0.25; 0.25 0.25"'
        )
    x4 = as_nhwc(x)
    n, h, wd, c = x4.shape
    rows, cols = conv_axes(x4.shape, w.shape, stride, padding, dilation)
    sh, sw, dh, dw = rows.stride, cols.stride, rows.dilation, cols.dilation
    tall = max(rows.pad_before + h, (rows.out - 1) * sh + rows.span)
    wide = max(cols.pad_before + wd, (cols.out - 1) * sw + cols.span)
    padded = np.zeros((n, tall, wide, c), dtype=np.result_type(x4.dtype, np.float64))
    padded[:, rows.pad_before : rows.pad_before + h, cols.pad_before : cols.pad_before + wd] = x4
    out = np.zeros((n, rows.out, cols.out, c), dtype=padded.dtype)
    # IEEE arithmetic as the frameworks do it: a sum past the largest float is infinite, and
    # infinities of both signs (or times a zero weight) give NaN, without a warning.
    with np.errstate(over="ignore", invalid="ignore"):
        if w.size > max(64, rows.out * cols.out):
            # a large kernel over few outputs: one Python step per output cell, not per weight
            for i in range(rows.out):
                for j in range(cols.out):
                    patch = padded[
                        :, i * sh : i * sh + rows.span : dh, j * sw : j * sw + cols.span : dw
                    ]
                    out[:, i, j] = np.einsum("nabc,ab->nc", patch, w)
            return out
        for a in range(w.shape[0]):
            for b in range(w.shape[1]):
                r0, c0 = a * dh, b * dw
                tap = padded[
                    :,
                    r0 : r0 + (rows.out - 1) * sh + 1 : sh,
                    c0 : c0 + (cols.out - 1) * sw + 1 : sw,
                ]
                out += w[a, b] * tap
    return out


def nearest_upsample(values: np.ndarray, rows: Axis, cols: Axis) -> np.ndarray:
    """Each window's value put on every real input cell it covers (NHWC, the input's size);
    cells no window covers get 0. For windows that tile the input this is nearest-neighbour
    upsampling (Keras's ``UpSampling2D``). Assumes windows do not overlap."""
    owner_r = window_owners(rows)
    owner_c = window_owners(cols)
    picked = values[:, np.maximum(owner_r, 0)][:, :, np.maximum(owner_c, 0)]
    covered = (owner_r >= 0)[:, None] & (owner_c >= 0)[None, :]
    return np.where(covered[None, :, :, None], picked, 0.0)


def window_owners(ax: Axis) -> np.ndarray:
    """For each input cell along ``ax``, the window reading it (the last one), or -1."""
    owner = np.full(ax.n, -1)
    for i in range(ax.out):
        owner[ax.real_taps(i)] = i
    return owner


def _overlapping(ax: Axis) -> bool:
    return ax.stride < ax.span


def compare(x: np.ndarray, pooling: Pooling, weights: np.ndarray | None = None) -> Comparison:
    """Max, average, adaptive average (to max's output size) and blur pooling (max's window
    at stride 1, then the 4-tap filter at max's stride), global max and global average
    pooling and a strided convolution (fixed ``weights``, default :func:`averaging_kernel`
    of the window size) of ``x``; for windows
    that do not overlap also the input rebuilt from max (unpooling) and from average
    (nearest-neighbour upsampling) with its mean absolute error."""
    pooled = pooling.explain(np.asarray(x, dtype=float), "max")
    x4, spec, rows, cols = pooled.input, pooled.spec, pooled.rows, pooled.cols
    _, h, w, c = x4.shape
    if weights is None:  # refuse a kernel too large before making it
        conv_axes(x4.shape, spec.size, spec.stride, spec.padding, spec.dilation)
    kernel = averaging_kernel(spec.size) if weights is None else np.asarray(weights, dtype=float)
    overlapping = _overlapping(rows) or _overlapping(cols)
    cells = h * w

    def kept(out: np.ndarray) -> float:
        return float(out.shape[1] * out.shape[2] / cells)

    def error(rebuilt: np.ndarray) -> float:
        """Mean |input - rebuilt| over the cells where both are finite (NaN if none); each
        term is divided by their count before the sum, so only a mean that is itself past
        the largest float is infinite."""
        known = np.isfinite(x4) & np.isfinite(rebuilt)
        if not known.any():
            return float("nan")
        with np.errstate(over="ignore"):
            diff = np.abs(x4[known] - rebuilt[known])
            return float(np.sum(diff / diff.size))

    def with_rebuild(op: Operation, rebuilt: np.ndarray, by: str) -> Operation:
        """``op`` with the input rebuilt from its output by ``by``, and that rebuild's error."""
        return replace(
            op, reconstruction=rebuilt, reconstruction_error=error(rebuilt), rebuilt_by=by
        )

    no_rebuild = "windows overlap: a cell belongs to several windows" if overlapping else None
    values, indices = pooled.output, pooled.indices
    assert indices is not None  # max pooling records them
    max_op = Operation("max", "max pooling", values, 0, kept(values), note=no_rebuild)
    if not overlapping:
        # the padding too: PyTorch checks the size asked for against the one it implies
        pads = (rows.pad_before, cols.pad_before)
        unpooled = max_unpool2d(values, indices, spec.size, spec.stride, pads, output_size=(h, w))
        max_op = with_rebuild(max_op, unpooled, "max-unpooling")
    try:
        averaged = pooling.apply(x4, "avg")
    except PoolvizError as err:
        avg_op = Operation("avg", "average pooling", None, 0, None, note=err.message)
    else:
        avg_op = Operation("avg", "average pooling", averaged, 0, kept(averaged), note=no_rebuild)
        if not overlapping:
            upsampled = nearest_upsample(averaged, rows, cols)
            avg_op = with_rebuild(avg_op, upsampled, "nearest-neighbour upsampling")
    adaptive_op, blur_op = _adaptive_and_blur(pooled, kept)
    conv = depthwise_conv2d(x4, kernel, spec.stride, spec.padding, spec.dilation)
    kh, kw = kernel.shape
    conv_note = "convolutions have no ceil mode: computed without it" if spec.ceil_mode else None
    operations = (
        max_op,
        avg_op,
        adaptive_op,
        blur_op,
        Operation("global_max", "global max pooling", global_pool2d(x4, "max"), 0, 1 / cells),
        Operation("global_avg", "global average pooling", global_pool2d(x4, "avg"), 0, 1 / cells),
        Operation(
            "conv",
            "strided convolution",
            conv,
            kh * kw * c,
            kept(conv),
            learned_params=kh * kw * c * c + c,
            note=conv_note,
        ),
    )
    return Comparison(pooled, kernel, operations, overlapping)


def _adaptive_and_blur(
    pooled: PoolResult, kept: Callable[[np.ndarray], float]
) -> tuple[Operation, Operation]:
    """Adaptive average pooling to max pooling's output size (so the rows line up) and blur
    pooling with max's window and stride, on ``pooled``'s input; each with a note instead
    of an output where it cannot run (blur has no padding, dilation or ceil mode, and needs
    a map large enough to reflect)."""
    x4, rows, cols = pooled.input, pooled.rows, pooled.cols
    name = "adaptive average pooling"
    if rows.out and cols.out:
        adaptive = adaptive_pool2d(x4, (rows.out, cols.out), "avg")
        adaptive_op = Operation("adaptive_avg", name, adaptive, 0, kept(adaptive))
    else:
        adaptive_op = Operation("adaptive_avg", name, None, 0, None, note="max's output is empty")
    padded = rows.pad_before or rows.pad_after or cols.pad_before or cols.pad_after
    if padded or rows.dilation > 1 or cols.dilation > 1 or pooled.spec.ceil_mode:
        why = "takes no padding, dilation or ceil mode (antialiased-cnns' definition)"
        return adaptive_op, Operation("blur", "blur pooling", None, 0, None, note=why)
    blur = BlurPooling((rows.size, cols.size), (rows.stride, cols.stride))
    try:
        blurred = blur.apply(x4)
    except PoolvizError as err:
        return adaptive_op, Operation("blur", "blur pooling", None, 0, None, note=err.message)
    return adaptive_op, Operation("blur", "blur pooling", blurred, 0, kept(blurred))
