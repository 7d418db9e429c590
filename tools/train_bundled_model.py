"""Train the small digit CNN that ``poolviz features`` runs when given no model.

Usage: python tools/train_bundled_model.py poolviz/models  (writes digits.onnx, digits.npz)

Tool dependencies, never runtime ones: torch (the CPU wheel; see CONTRIBUTING) and
scikit-learn, whose bundled 8x8 handwritten digits (``load_digits``: 1797 images read from the
package, no download) are the data. Each is upscaled the way MNIST was made: the digit in a
20x20 box, centred in 28x28, white on black, values 0-1; the training images are augmented
(rotation, scale, shift, stroke weight), the held-out fifth is not. The network is the text's
MNIST shape, smaller: conv 3x3 (8) - ReLU - max pool 2 - conv 3x3 (16) - ReLU - max pool 2 -
dense 10. Everything is seeded and runs on one thread, so the files come out the same each run.

The script prints the training and held-out accuracy and the class it gives the bundled digit;
the README quotes them. ``digits.npz`` holds the same graph as ``digits.onnx`` (its nodes as
JSON and its initializers), read back from the exported file, for the NumPy forward pass that
runs the bundled model where onnx is not installed.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from PIL import Image, ImageFilter
from sklearn.datasets import load_digits
from torch import nn

SEED = 0
SIDE = 28
BOX = 20
EPOCHS = 30
COPIES = 4
"""Augmented copies of each training digit per epoch."""

SAMPLE = Path(__file__).resolve().parent.parent / "poolviz" / "samples" / "digit.png"


class Digits(nn.Module):
    """conv-pool-conv-pool-dense, the text's MNIST network with 8 and 16 filters."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        return self.fc(self.flatten(x))


def draw(digit: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """One 8x8 digit (0-16) as a 28x28 MNIST-style image in [0, 1]; with ``rng``, augmented:
    narrower (the 8x8 digits fill their square; handwriting is taller than wide), rotated,
    shifted, scaled, and with a heavier or a thinner pen."""
    small = Image.fromarray((digit * (255 / 16)).astype(np.uint8), "L")
    width = height = BOX
    angle, dx, dy, cut = 0.0, 0, 0, 0.0
    if rng is not None:
        height = int(rng.integers(16, 23))
        width = max(8, round(height * float(rng.uniform(0.55, 1.0))))
        angle = float(rng.uniform(-15, 15))
        dx, dy = (int(v) for v in rng.integers(-2, 3, size=2))
        cut = float(rng.uniform(0.0, 0.45))
    big = small.resize((width, height), Image.BICUBIC)
    canvas = Image.new("L", (SIDE, SIDE), 0)
    canvas.paste(big, ((SIDE - width) // 2 + dx, (SIDE - height) // 2 + dy))
    canvas = canvas.rotate(angle, Image.BILINEAR)
    if rng is not None and rng.random() < 0.25:
        canvas = canvas.filter(ImageFilter.MaxFilter(3))  # a heavier pen
    canvas = canvas.filter(ImageFilter.GaussianBlur(0.5))
    a = np.asarray(canvas, dtype=np.float32) / 255
    a = a / max(float(a.max()), 1e-6)
    return np.clip((a - cut) / (1 - cut), 0, 1)  # a thinner, crisper pen


def batch(images: np.ndarray, rng: np.random.Generator | None) -> torch.Tensor:
    return torch.from_numpy(np.stack([draw(d, rng) for d in images])[:, None])


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def export(model: nn.Module, folder: Path) -> None:
    """digits.onnx (legacy exporter, opset 13, a batch axis) and digits.npz (the same graph)."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "digits.onnx"
        torch.onnx.export(
            model,
            (torch.zeros(1, 1, SIDE, SIDE),),
            str(path),
            dynamo=False,
            opset_version=13,
            input_names=["image"],
            output_names=["logits"],
            dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
        )
        graph = onnx.load(str(path))
    graph.producer_name = "poolviz tools/train_bundled_model.py"
    onnx.checker.check_model(graph)
    onnx.save(graph, str(folder / "digits.onnx"))
    nodes = [
        {
            "name": node.name,
            "op_type": node.op_type,
            "inputs": list(node.input),
            "outputs": list(node.output),
            "attributes": {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute},
        }
        for node in graph.graph.node
    ]
    arrays = {t.name: numpy_helper.to_array(t) for t in graph.graph.initializer}
    np.savez_compressed(
        folder / "digits.npz",
        __graph__=np.array(
            json.dumps(
                {
                    "nodes": nodes,
                    "input": "image",
                    "input_shape": [None, 1, SIDE, SIDE],
                    "output": "logits",
                }
            )
        ),
        **arrays,
    )


def main(folder: Path) -> None:
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(SEED)
    data = load_digits()
    order = rng.permutation(len(data.target))
    held = order[: len(order) // 5]
    train = order[len(order) // 5 :]
    x_held = batch(data.images[held], None)
    y_held = torch.from_numpy(data.target[held])
    x_plain = batch(data.images[train], None)
    y_train = torch.from_numpy(data.target[train])

    model = Digits()
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss = nn.CrossEntropyLoss()
    for epoch in range(EPOCHS):
        images = np.concatenate([data.images[train]] * COPIES)
        labels = torch.cat([y_train] * COPIES)
        x = batch(images, rng)
        perm = torch.from_numpy(rng.permutation(len(labels)))
        model.train()
        for start in range(0, len(perm), 64):
            idx = perm[start : start + 64]
            optimiser.zero_grad()
            value = loss(model(x[idx]), labels[idx])
            value.backward()
            optimiser.step()
        if epoch % 5 == 4:
            print(f"epoch {epoch + 1}: loss {value.item():.3f}")
    model.eval()
    sample = np.asarray(Image.open(SAMPLE).convert("L"), dtype=np.float32) / 255
    with torch.no_grad():
        scores = model(torch.from_numpy(sample)[None, None])[0]
    print(f"training accuracy (unaugmented): {accuracy(model, x_plain, y_train):.4f}")
    print(f"held-out accuracy ({len(held)} digits): {accuracy(model, x_held, y_held):.4f}")
    print(f"bundled digit.png: class {int(scores.argmax())}")
    export(model, folder)
    for name in ("digits.onnx", "digits.npz"):
        print(f"wrote {folder / name} ({(folder / name).stat().st_size} bytes)")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "poolviz/models"))
