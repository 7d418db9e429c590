"""An image as a model takes it: its layout, size and channels from the model's input, its
values scaled to 0-1 and then normalised per channel, ``(x - mean) / std``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from poolviz.errors import PoolvizError, PoolvizRuntimeError

FULL_SCALE = {"uint8": 255.0, "uint16": 65535.0, "int32": 65535.0}
"""What an image's largest value is, by its samples' type: the values are divided by it."""


LUMA = np.array([0.299, 0.587, 0.114])
"""ITU-R 601-2 luma weights, as Pillow's ``L`` mode uses."""


@dataclass(frozen=True)
class InputSpec:
    """What the model's image input takes."""

    layout: str
    """``nchw`` (PyTorch's export) or ``nhwc`` (TensorFlow's)."""
    channels: int | None
    size: tuple[int | None, int | None]
    """(height, width); None where the file leaves it symbolic."""

    def size_text(self) -> str:
        h, w = self.size
        return f"{h or '?'}x{w or '?'}"


def input_spec(shape: Sequence[int | None], shown: str) -> InputSpec:
    """Read the layout from a 4-D input shape: channels-last when the last axis holds 1, 3 or
    4 and the second does not; channels-first otherwise."""
    if len(shape) != 4:
        dims = "x".join("?" if d is None else str(d) for d in shape) or "a scalar"
        raise PoolvizRuntimeError(
            f"{shown} takes a {len(shape)}-D input ({dims}); poolviz features feeds images "
            "as 4-D (batch, channels, height, width)"
        )
    if shape[3] in (1, 3, 4) and shape[1] not in (1, 3, 4):
        return InputSpec("nhwc", shape[3], (shape[1], shape[2]))
    return InputSpec("nchw", shape[1], (shape[2], shape[3]))


def fixed_size(
    spec: InputSpec, resize: tuple[int, int] | None, shown: str
) -> tuple[int, int] | None:
    """The size to load the image at: the model's where it fixes one (``--resize`` must then
    agree), else ``--resize``, else None (the image's own)."""
    h, w = spec.size
    if h is not None and w is not None:
        if resize is not None and resize != (h, w):
            raise PoolvizError(
                f"{shown} takes {h}x{w} images; --resize {resize[0]}x{resize[1]} does not "
                f"fit it (leave --resize out: the image is resized to {h}x{w})"
            )
        return (h, w)
    return resize


def fit_channels(image: np.ndarray, dtype: str, spec: InputSpec) -> tuple[np.ndarray, list[str]]:
    """The loaded (H, W) or (H, W, C) ``image`` as (H, W, C) float64 on 0-1 with the model's
    channels, and notes for any conversion; PoolvizRuntimeError when they cannot be made
    to fit. Shifts move this array, so the edge they fill is black (0) before normalising."""
    notes: list[str] = []
    x = image if image.ndim == 3 else image[:, :, None]
    c = x.shape[2]
    want = spec.channels or c
    if c == 4 and want == 3:
        x = x[:, :, :3]
        notes.append("dropped the image's alpha channel: the model takes 3 channels")
    elif c == 2 and want == 1:
        x = x[:, :, :1]
        notes.append("dropped the image's alpha channel: the model takes 1 channel")
    elif c in (3, 4) and want == 1:
        x = x[:, :, :3] @ LUMA
        x = x[:, :, None]
        notes.append("converted to grey with ITU-R 601-2 luma: the model takes 1 channel")
    elif c == 1 and want == 3:
        x = np.repeat(x, 3, axis=2)
        notes.append("repeated the grey image into 3 channels: the model takes RGB")
    elif c != want:
        raise PoolvizRuntimeError(
            f"the image has {_channels(c)} and the model takes {want}; give an image with "
            f"{_channels(want)}"
        )
    return x / FULL_SCALE.get(dtype, 1.0), notes


def normalise(
    x: np.ndarray, spec: InputSpec, mean: Sequence[float], std: Sequence[float]
) -> np.ndarray:
    """(H, W, C) ``x`` on 0-1 as the model's float32 input, ``(x - mean) / std`` per channel,
    a batch of one in the model's layout."""
    c = x.shape[2]
    m = _per_channel(mean, c, "--mean")
    s = _per_channel(std, c, "--std")
    if (s == 0).any():
        raise PoolvizError("--std must not be 0; give one value or one per channel, e.g. 0.5")
    x32 = ((x - m) / s).astype(np.float32)[None]
    if spec.layout == "nchw":
        x32 = x32.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(x32)


def _per_channel(values: Sequence[float], channels: int, name: str) -> np.ndarray:
    if len(values) not in (1, channels):
        accepted = "one value" if channels == 1 else f"one value, or {channels} separated by commas"
        raise PoolvizError(
            f"{name} has {len(values)} values and the model takes {_channels(channels)}; "
            f"give {accepted}"
        )
    return np.broadcast_to(np.asarray(values, dtype=np.float64), (channels,))


def _channels(n: int) -> str:
    return f"{n} channel" + ("" if n == 1 else "s")
