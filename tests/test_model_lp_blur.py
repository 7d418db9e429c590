"""``lppool`` and ``blurpool`` in the spec grammar: shapes, receptive fields, errors."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz import PoolvizError, blur_pool2d
from poolviz.model.field import Field
from poolviz.model.pooling import BlurPool, LpPool
from poolviz.model.spec import parse_spec


def test_words_build_the_layers() -> None:
    layers = parse_spec("lppool 3 2 ceil, blurpool 2, blurpool 3 1x2 5").layers
    assert layers[0] == LpPool("lppool", (3, 3), (2, 2), (0, 0), True)
    assert layers[1] == BlurPool("blurpool1", (2, 2), (2, 2), 4)
    assert layers[2] == BlurPool("blurpool2", (3, 3), (1, 2), 5)
    assert layers[2].describe() == "blurpool 3x3 stride 1x2 filter 5"


@pytest.mark.parametrize(("n", "k", "s", "f"), [(26, 2, 2, 4), (7, 3, 2, 5), (9, 2, 3, 1)])
def test_blurpool_shape_is_the_engines(n: int, k: int, s: int, f: int) -> None:
    layer = BlurPool("b", (k, k), (s, s), f)
    expected = blur_pool2d(np.zeros((1, n, n, 3)), k, s, f).shape[1:]
    assert layer.output_shape((n, n, 3)) == expected


def test_blurpool_field_is_the_max_window_then_the_filter() -> None:
    f = BlurPool("b", (2, 2), (2, 2), 4).field(Field.start((26, 26)), (26, 26, 1))
    assert f.size == (5, 5)  # 2 cells of max, then 4 taps at jump 1
    assert f.jump == (2, 2)


def test_blurpool_refuses_a_map_too_small_to_reflect() -> None:
    with pytest.raises(PoolvizError) as err:
        BlurPool("b", (2, 2), (2, 2), 7).output_shape((4, 4, 1))
    assert str(err.value).startswith("layer 'b' (blurpool 2x2 filter 7) does not fit its input")
    assert "a 7-tap filter reflects 3 cells past the edge of a 3x3 max map" in str(err.value)


def test_bad_filter_word() -> None:
    with pytest.raises(PoolvizError, match="an integer from 1 to 7"):
        parse_spec("blurpool 2 2 9")
