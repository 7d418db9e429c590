"""Invariants of the engine over random shapes and valid configurations (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from poolviz import PoolSpec, PoolvizError, output_size, pool2d, pool2d_backward
from poolviz.engine.backward import unpool_to
from poolviz.engine.explain import explain
from poolviz.engine.gradient import gradient
from tests.reference import max_pool_loop


@st.composite
def configs(draw: st.DrawFn, dilation: bool = True) -> dict:
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    cfg = {
        "size": k,
        "stride": (draw(st.integers(1, 4)), draw(st.integers(1, 4))),
        "padding": draw(
            st.one_of(
                st.tuples(st.integers(0, k[0] // 2), st.integers(0, k[1] // 2)),
                st.sampled_from(["valid", "same"]),
            )
        ),
        "dilation": (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if dilation else (1, 1),
    }
    cfg["ceil_mode"] = cfg["padding"] != "same" and draw(st.booleans())
    return cfg


@st.composite
def arrays(draw: st.DrawFn, nonneg: bool = False) -> np.ndarray:
    n, h, w, c = (draw(st.integers(lo, hi)) for lo, hi in ((1, 2), (1, 9), (1, 9), (1, 3)))
    values = st.integers(0 if nonneg else -3, 3).map(float)
    if not nonneg:
        values = st.one_of(values, st.just(np.nan), st.just(-np.inf), st.just(np.inf))
    flat = draw(st.lists(values, min_size=n * h * w * c, max_size=n * h * w * c))
    return np.array(flat).reshape(n, h, w, c)


def pooled(x: np.ndarray, cfg: dict, **extra: object) -> tuple[np.ndarray, np.ndarray]:
    try:
        return pool2d(x, return_indices=True, **cfg, **extra)  # type: ignore[no-any-return]
    except PoolvizError:
        assume(False)
        raise


@settings(max_examples=300, deadline=None)
@given(arrays(), configs())
def test_max_matches_a_plain_loop_and_output_size(x: np.ndarray, cfg: dict) -> None:
    values, indices = pooled(x, cfg)
    h, w = x.shape[1:3]
    oh = output_size(
        h, cfg["size"][0], cfg["stride"][0], _pad(cfg, 0), cfg["dilation"][0], cfg["ceil_mode"]
    )
    ow = output_size(
        w, cfg["size"][1], cfg["stride"][1], _pad(cfg, 1), cfg["dilation"][1], cfg["ceil_mode"]
    )
    assert values.shape == (x.shape[0], oh, ow, x.shape[3])
    rows, cols = PoolSpec.make(**cfg).axes(h, w)
    for n in range(x.shape[0]):
        for c in range(x.shape[3]):
            ref_v, ref_i = max_pool_loop(
                x[n, :, :, c],
                cfg["size"],
                cfg["stride"],
                (rows.pad_before, cols.pad_before),
                cfg["dilation"],
                (oh, ow),
            )
            assert np.array_equal(values[n, :, :, c], ref_v, equal_nan=True)
            assert np.array_equal(indices[n, :, :, c], ref_i)


def _pad(cfg: dict, axis: int) -> int | str:
    p = cfg["padding"]
    return p if isinstance(p, str) else p[axis]


@settings(max_examples=200, deadline=None)
@given(arrays(), configs())
def test_every_index_points_at_its_value_inside_its_window(x: np.ndarray, cfg: dict) -> None:
    """Each index is a real cell of its own window holding the output value: the first such
    cell in row-major window order, or for a window holding NaN the last NaN (PyTorch's CPU
    kernel); -1 only for a window over padding alone."""
    values, indices = pooled(x, cfg)
    h, w = x.shape[1:3]
    rows, cols = PoolSpec.make(**cfg).axes(h, w)
    for (n, i, j, c), idx in np.ndenumerate(indices):
        taps = [(r, q) for r in rows.real_taps(i) for q in cols.real_taps(j)]
        if idx == -1:
            assert taps == [] and values[n, i, j, c] == -np.inf
            continue
        r, q = divmod(int(idx), w)
        assert (r, q) in taps
        held = [x[n, a, b, c] for a, b in taps]
        v = values[n, i, j, c]
        if np.isnan(v):
            assert (r, q) == [t for t, u in zip(taps, held, strict=True) if np.isnan(u)][-1]
        else:
            assert x[n, r, q, c] == v
            assert (r, q) == taps[held.index(v)]


@settings(max_examples=200, deadline=None)
@given(arrays(), configs(), st.integers(0, 2**16))
def test_max_backward_conserves_the_gradient(x: np.ndarray, cfg: dict, seed: int) -> None:
    values, indices = pooled(x, cfg)
    assume((indices >= 0).all())
    g = np.random.default_rng(seed).integers(-4, 5, values.shape).astype(float)
    grad = pool2d_backward(x, g, **cfg)
    assert grad.shape == x.shape
    assert grad.sum() == g.sum()


@settings(max_examples=200, deadline=None)
@given(arrays(nonneg=True), configs())
def test_unpool_then_pool_gives_back_the_pooled_values(x: np.ndarray, cfg: dict) -> None:
    values, indices = pooled(x, cfg)
    assume((indices >= 0).all())
    # to the input's own size, which PyTorch's max_unpool2d may refuse (dilation, ceil mode)
    restored = unpool_to(values, indices, x.shape[1:3])
    assert np.array_equal(pool2d(restored, **cfg), values)


@settings(max_examples=200, deadline=None)
@given(arrays(), configs(dilation=False), st.floats(-100, 100))
def test_average_of_a_constant_is_that_constant(x: np.ndarray, cfg: dict, value: float) -> None:
    constant = np.full(x.shape, value)
    try:
        out = pool2d(constant, mode="avg", count_include_pad=False, **cfg)
    except PoolvizError:
        assume(False)
        raise
    np.testing.assert_allclose(out, value, rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(arrays(), configs())
def test_ties_found_by_taps_are_those_found_window_by_window(x: np.ndarray, cfg: dict) -> None:
    """GradResult.ties reads many small windows tap by tap over all of them at once; it must
    find what laying out each window finds: the windows whose max occurs twice or more, the
    cells holding it in row-major window order, and the first of them as the winner."""
    try:
        forward = explain(x, **cfg)
    except PoolvizError:
        assume(False)
        raise
    result = gradient(forward, np.ones(forward.output.shape))
    for n in range(x.shape[0]):
        for c in range(x.shape[3]):
            expected = []
            for window in forward.windows(n, c):
                if window.argmax is None or np.isnan(window.value):
                    continue
                held = ~window.padded & (window.cells == window.value)
                if np.count_nonzero(held) >= 2:
                    cells = tuple(
                        (window.rows[a], window.cols[b])
                        for a, b in zip(*np.nonzero(held), strict=True)
                    )
                    expected.append((window.out, window.value, cells, window.argmax))
            found = [(t.out, t.value, t.cells, t.winner) for t in result._ties_by_taps(n, c)]
            assert found == expected
            assert all(t.cells[0] == t.winner for t in result._ties_by_taps(n, c))
