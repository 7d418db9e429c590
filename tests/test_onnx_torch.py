"""Small PyTorch models exported with ``torch.onnx.export`` (the legacy exporter,
``dynamo=False``: the default one needs onnxscript) and traced from the file: every pooling
node's shape equals what a forward hook on the matching module saw. Test-only; skipped without
torch, as the parity suite is."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (the parity suite's wheel)")
pytest.importorskip("onnx", reason="onnx (poolviz[onnx]) is not installed")

from poolviz.model.onnx_read import load_onnx  # noqa: E402
from poolviz.model.trace import report, trace  # noqa: E402

nn = torch.nn


def export(module: Any, shape: tuple[int, int, int, int], path: Path) -> dict[str, tuple[int, ...]]:
    """Export ``module`` on zeros of NCHW ``shape`` to ``path``; the per-sample output shape
    (h, w, c, or features) each pooling module gave in the forward pass, by module name."""
    seen: dict[str, tuple[int, ...]] = {}
    kinds = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)

    def hook(name: str) -> Any:
        def record(module: Any, inputs: Any, output: Any) -> None:
            dims = tuple(output.shape)
            seen[name] = (dims[2], dims[3], dims[1]) if len(dims) == 4 else dims[1:]

        return record

    for name, sub in module.named_modules():
        if isinstance(sub, kinds):
            sub.register_forward_hook(hook(name))
    module.eval()
    x = torch.zeros(shape)
    with torch.no_grad():
        module(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation notices
        torch.onnx.export(module, (x,), str(path), dynamo=False, input_names=["x"])
    return seen


def pooling_rows(path: Path) -> dict[str, tuple[int, ...]]:
    """Pooling rows' shapes by the module name in the node's name (``/pool/MaxPool``)."""
    return {
        r.name.strip("/").rsplit("/", 1)[0].replace("/", "."): r.output_shape
        for r in trace(load_onnx(path)).rows
        if r.kept is not None
    }


class Residual(nn.Module):  # type: ignore[misc]
    """A ResNet-style block: conv-bn-relu-conv-bn plus the input, then ReLU."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x: Any) -> Any:
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + x)


class Inception(nn.Module):  # type: ignore[misc]
    """Four branches concatenated, two with ceil-mode pooling."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.a = nn.Conv2d(c, 4, 1)
        self.b = nn.Sequential(nn.Conv2d(c, 4, 1), nn.Conv2d(4, 6, 3, padding=1))
        self.pool = nn.MaxPool2d(3, 1, 1, ceil_mode=True)
        self.c = nn.Conv2d(c, 2, 1)

    def forward(self, x: Any) -> Any:
        return torch.cat([self.a(x), self.b(x), self.c(self.pool(x))], 1)


def test_resnet_inception_classifier(tmp_path: Path) -> None:
    model = nn.Sequential()
    model.add_module("stem", nn.Conv2d(3, 8, 7, 2, 3))
    model.add_module("pool", nn.MaxPool2d(3, 2, 1, ceil_mode=True))
    model.add_module("res", Residual(8))
    model.add_module("inception", Inception(8))
    model.add_module("down", nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False))
    model.add_module("gap", nn.AdaptiveAvgPool2d((1, 1)))
    model.add_module("flatten", nn.Flatten())
    model.add_module("fc", nn.Linear(12, 5))
    seen = export(model, (1, 3, 45, 45), tmp_path / "m.onnx")
    assert seen == {
        "pool": (12, 12, 8),
        "inception.pool": (12, 12, 8),
        "down": (6, 6, 12),
        "gap": (1, 1, 12),
    }
    assert pooling_rows(tmp_path / "m.onnx") == seen
    rows = trace(load_onnx(tmp_path / "m.onnx")).rows
    merges = [r for r in rows if len(r.inputs) > 1]
    assert [r.kind for r in merges] == ["add", "concat"]
    assert merges[1].output_shape == (12, 12, 12)
    fc = rows[-1]
    assert (fc.params, fc.macs) == (12 * 5 + 5, 12 * 5 + 5)
    # BatchNorm folded into the convolutions by the exporter: the file's counts
    assert not any(r.kind == "bn" for r in rows)
    result = report(load_onnx(tmp_path / "m.onnx"))
    assert [t.problem for t in result.compare] == [None, None]


def test_adaptive_average_pooling_to_a_grid(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.AdaptiveAvgPool2d((2, 2)))
    seen = export(model, (1, 1, 14, 14), tmp_path / "a.onnx")
    assert seen == {"1": (6, 6, 4), "2": (2, 2, 4)}
    rows = {r.name: r for r in trace(load_onnx(tmp_path / "a.onnx")).rows}
    # the exporter writes AdaptiveAvgPool2d((2, 2)) on 6x6 as AveragePool 3x3 stride 3
    assert rows["/2/AveragePool"].output_shape == (2, 2, 4)
    assert rows["/1/MaxPool"].output_shape == (6, 6, 4)
