"""ReadOptions: the reading options as one value, and the checks that concern them alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from poolviz.errors import PoolvizError
from poolviz.loaders import ReadOptions


def refusal(call: Callable[[], None]) -> str:
    """The message of the usage error (exit 2) that ``call`` raises."""
    with pytest.raises(PoolvizError) as err:
        call()
    assert err.value.exit_code == 2
    return err.value.message


def test_defaults_read_an_input_as_stored() -> None:
    assert ReadOptions() == ReadOptions(gray=False, resize=None, scale=None, layout="nhwc")
    ReadOptions().check()
    for kind in ("image", "text", "npy", "npz"):
        ReadOptions().refuse_unless(kind, "a")


def test_check_refuses_an_unknown_layout_and_two_sizes() -> None:
    assert refusal(ReadOptions(layout="hwc").check) == (
        "layout 'hwc' is not one poolviz reads; use nhwc or nchw"
    )
    assert refusal(ReadOptions(resize=(2, 3), scale=0.5).check) == (
        "--resize and --scale both set the size; give one of them"
    )


@pytest.mark.parametrize(
    ("options", "kind", "message"),
    [
        ({"gray": True}, "npy", "--gray applies to images, not a.npy"),
        ({"resize": (2, 3)}, "text", "--resize applies to images, not a.npy"),
        ({"scale": 2.0}, "npz", "--scale applies to images, not a.npy"),
        ({"layout": "nchw"}, "image", "--layout nchw applies to .npy and .npz arrays, not a.npy"),
        ({"layout": "nchw"}, "text", "--layout nchw applies to .npy and .npz arrays, not a.npy"),
    ],
)
def test_refuse_unless_names_the_option_that_does_not_apply(
    options: dict[str, object], kind: str, message: str
) -> None:
    read = ReadOptions(**options)  # type: ignore[arg-type]
    assert refusal(lambda: read.refuse_unless(kind, "a.npy")) == message


def test_what_applies_is_not_refused() -> None:
    ReadOptions(gray=True, resize=(2, 3)).refuse_unless("image", "a.png")
    ReadOptions(layout="nchw").refuse_unless("npy", "a.npy")
    ReadOptions(layout="nchw").refuse_unless("npz", "a.npz")
