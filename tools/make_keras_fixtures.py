"""Write the Keras fixtures of ``tests/test_keras_files.py``: a small functional ResNet-style
model (an Add, and a Concatenate of two branches) saved by real Keras 3 as ``.keras`` and
``.h5``, with what ``model.summary()`` reports for it (each layer's output shape and
parameters) as ``keras_resnet.summary.json``.

Not run by CI (it needs Keras and a backend): ``KERAS_BACKEND=torch python
tools/make_keras_fixtures.py tests/fixtures``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def build():  # type: ignore[no-untyped-def]
    import keras
    from keras import layers

    x = keras.Input((32, 32, 3), name="image")
    y = layers.Conv2D(8, 3, padding="same", activation="relu", name="stem")(x)
    y = layers.MaxPooling2D(2, name="pool")(y)
    z = layers.Conv2D(8, 3, padding="same", use_bias=False, name="body_conv")(y)
    z = layers.BatchNormalization(name="body_bn")(z)
    y = layers.Add(name="add")([z, y])
    y = layers.Activation("relu", name="add_relu")(y)
    a = layers.Conv2D(4, 1, name="branch_a")(y)
    b = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, name="branch_b")(y)
    y = layers.Concatenate(name="concat")([a, b])
    y = layers.SeparableConv2D(8, 3, name="separable")(y)
    y = layers.UpSampling2D(2, name="up")(y)
    y = layers.AveragePooling2D(2, strides=2, padding="same", name="avg")(y)
    y = layers.GlobalAveragePooling2D(name="gap")(y)
    y = layers.Dense(10, name="fc")(y)
    return keras.Model(x, y, name="keras_resnet")


def main(folder: str) -> None:
    out = Path(folder)
    model = build()
    model.save(out / "keras_resnet.keras")
    model.save(out / "keras_resnet.h5")
    summary = {
        layer.name: {
            "output_shape": list(layer.output.shape[1:]),
            "params": layer.count_params(),
        }
        for layer in model.layers
        if layer.__class__.__name__ != "InputLayer"
    }
    summary["total"] = {"params": model.count_params()}
    (out / "keras_resnet.summary.json").write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures")
