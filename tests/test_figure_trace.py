"""The trace figure: its layout as exact lists (columns, cells, scales, wrapped labels), facts
about what is drawn (labels equal the trace's shapes, pooling in its colour, no label
overlapping another or a block), and the files ``poolviz trace -o`` writes."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from matplotlib.backend_bases import RendererBase  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from poolviz.cli import main  # noqa: E402
from poolviz.model import load_model  # noqa: E402
from poolviz.model.keras import keras_sample  # noqa: E402
from poolviz.model.trace import Report, report  # noqa: E402
from poolviz.render.figure.look import DARK_TINT, TINT_GID, Look, dress  # noqa: E402
from poolviz.render.figure.text_width import text_inches  # noqa: E402
from poolviz.render.figure.trace import NAME_SIZE, trace_figure  # noqa: E402
from poolviz.render.figure.trace_layout import (  # noqa: E402
    MERGE,
    POOLING,
    RESIDUAL,
    SHORTEST,
    TALLEST,
    Scale,
    cell,
    columns,
    wrap_name,
    wrap_words,
)

UNFIT = "conv 8 3, maxpool 2 pad 1, conv 16 7, conv 4 1, flatten, dense 10"
"""Fits 14x14x1, but its strided counterfactual stops at conv2 (6x6 left for a 7x7)."""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["trace", *args], env={"NO_COLOR": "1", "COLUMNS": "80"})
    return result.exit_code, result.stdout, result.stderr


def texts(fig: Figure) -> list[Text]:
    return [t for ax in fig.axes for t in ax.texts if t.get_text().strip()]


def strings(fig: Figure) -> list[str]:
    return [t.get_text() for t in texts(fig)]


def unfit() -> Report:
    return report(load_model(UNFIT, (14, 14, 1)))


# Layout


def test_columns_of_mnist_one_per_layer_after_the_input() -> None:
    cols = columns(report(load_model("mnist")).original)
    assert [(c.label, c.config, c.category.label) for c in cols] == [
        ("input", "", "input"),
        ("conv2d", "conv 32 3x3", "convolution"),
        ("max_pooling2d", "maxpool 2x2", "pooling"),
        ("conv2d_1", "conv 64 3x3", "convolution"),
        ("max_pooling2d_1", "maxpool 2x2", "pooling"),
        ("flatten", "flatten", "other (flatten, padding)"),
        ("dense", "dense 10", "dense"),
    ]


def test_shape_keeping_layers_join_the_layer_before() -> None:
    cols = columns(report(keras_sample("keras2_cnn")).original)
    assert [c.names for c in cols] == [
        (),
        ("conv2d_1", "batch_normalization_1", "activation_1"),
        ("max_pooling2d_1",),
        ("zero_padding2d_1",),
        ("conv2d_2", "re_lu_1"),
        ("average_pooling2d_1", "dropout_1"),
        ("global_average_pooling2d_1",),
        ("dense_1",),
    ]


def test_a_residual_block_is_one_column() -> None:
    cols = columns(report(load_model("resnet18")).original)
    assert [c.label for c in cols] == [
        "input",
        "conv1",
        "maxpool",
        "layer1.0",
        "layer1.1",
        "layer2.0",
        "layer2.1",
        "layer3.0",
        "layer3.1",
        "layer4.0",
        "layer4.1",
        "avgpool",
        "flatten",
        "fc",
    ]
    assert cols[1].names == ("conv1", "bn1")
    assert cols[5].names == (
        "layer2.0.conv1",
        "layer2.0.bn1",
        "layer2.0.conv2",
        "layer2.0.bn2",
        "layer2.0.downsample.0",
        "layer2.0.downsample.1",
        "layer2.0.add",
    )
    assert cols[5].category is RESIDUAL and cols[5].config == "residual block"


def test_cells_of_the_counterfactuals() -> None:
    r = report(keras_sample("keras2_cnn"))
    cols = columns(r.original)
    drop, strided = r.compare
    # the pooling is gone though the dropout drawn with it is still there
    assert cell(drop, cols[5], r.original) == cell(drop, cols[2], r.original)
    assert cell(drop, cols[5], r.original).state == "gone"
    assert cell(drop, cols[5], r.original).note == "removed"
    folded = cell(strided, cols[4], r.original)
    assert (folded.state, folded.shape, folded.note, folded.changed) == (
        "present",
        (8, 8, 64),
        "stride 2 (was 1)",
        True,
    )
    same = cell(strided, cols[3], r.original)
    assert (same.shape, same.changed) == ((18, 18, 32), False)
    assert cell(strided, cols[0], r.original).shape == (32, 32, 3)


def test_cells_after_a_layer_that_no_longer_fits() -> None:
    r = unfit()
    (_, strided) = r.compare
    cells = [cell(strided, c, r.original) for c in columns(r.original)]
    assert [c.state for c in cells] == [
        "present",
        "present",
        "gone",
        "invalid",
        "unreached",
        "unreached",
        "unreached",
    ]


def test_scale_linear_for_small_models_log_for_deep_ones() -> None:
    small = Scale.of([(28, 28, 1), (26, 26, 32), (5, 5, 64), (1600,), (10,)])
    assert not small.log
    assert (small.side(28), small.side(14), small.side(0)) == (TALLEST, TALLEST / 2, SHORTEST)
    deep = Scale.of([(224, 224, 3), (7, 7, 512), (1, 1, 512), (1000,)])
    assert deep.log
    assert (deep.side(224), deep.side(1)) == pytest.approx((TALLEST, SHORTEST))
    halvings = [deep.side(n) for n in (224, 112, 56, 28)]
    steps = [a - b for a, b in itertools.pairwise(halvings)]
    assert steps == pytest.approx([steps[0]] * 3)  # each halving the same step
    assert deep.vector(1000) == pytest.approx(TALLEST) and deep.vector(10) < deep.vector(100)


def test_blocks_width_grows_with_log_channels_depth_with_width() -> None:
    scale = Scale.of([(32, 32, 64)])
    a, b, c = (scale.block(s) for s in ((32, 32, 8), (32, 32, 64), (32, 16, 64)))
    assert b.width - a.width == pytest.approx(3 * 0.05)
    assert a.height == b.height == TALLEST and c.depth == pytest.approx(b.depth / 2)
    assert scale.block((10,)).depth == 0


def test_wrapping() -> None:
    assert wrap_name("max_pooling2d_1") == "max_pooling2d_1"
    assert wrap_name("global_average_pooling2d_1") == "global_average_\npooling2d_1"
    assert wrap_name("layer1.0") == "layer1.0"
    assert wrap_words("stride 2 (was 1)") == "stride 2\n(was 1)"
    assert wrap_words("folded into conv2d_1") == "folded into\nconv2d_1"
    assert wrap_words("maxpool 3x3 stride 2 pad 1") == "maxpool 3x3\nstride 2 pad 1"


# What is drawn


def test_labels_are_the_traces_shapes_and_totals() -> None:
    fig = trace_figure(report(load_model("mnist")))
    drawn = strings(fig)
    assert drawn[0] == "mnist, input 28x28x1: with and without pooling"
    for shape in (
        "28x28x1",
        "26x26x32",
        "13x13x32",
        "11x11x64",
        "5x5x64",
        "1600",
        "10",
        "24x24x64",
        "36864",
        "13x13x32",
        "6x6x64",
        "2304",
    ):
        assert shape in drawn
    assert drawn.count("removed") == 2
    assert "folded into\nconv2d" in drawn and "stride 2\n(was 1)" in drawn
    assert "34,826 params\n2.47M MACs" in drawn
    assert "387,466 params (11.1x)\n11.2M MACs (4.55x)" in drawn
    bold = {t.get_text() for t in texts(fig) if t.get_fontweight() == "bold"}
    assert {"24x24x64", "36864", "13x13x32", "6x6x64", "2304"} <= bold
    assert "26x26x32" not in bold  # conv2d's shape is the same in every row


def test_pooling_blocks_in_their_colour_and_hatched() -> None:
    fig = trace_figure(report(load_model("mnist"), compare=()))
    (hatched,) = [c for c in fig.axes[0].collections if c.get_hatch() == POOLING.hatch]
    colour = matplotlib.colors.to_rgba(POOLING.colour)
    assert len(hatched.get_paths()) == 3  # two pooling layers and the legend's swatch
    assert (hatched.get_facecolor() == colour).all()


def test_shapes_are_one_collection_per_hatch_and_line_hatched_first() -> None:
    """VGG16's 189 shapes: 12 stripes behind everything; the 9 hatched pooling faces (6
    in the original, the average pooling in each counterfactual, the legend's swatch); the
    other faces, tops, sides and swatches, so a block's hatched face is drawn before its top
    and side; the 10 dashed outlines of the pooling the counterfactuals removed."""
    ax = trace_figure(report(load_model("vgg16"))).axes[0]
    drawn = [(c.get_hatch(), len(c.get_paths()), c.zorder) for c in ax.collections]
    assert drawn == [(None, 12, -1), (POOLING.hatch, 9, 1), (None, 158, 1), (None, 10, 1)]
    assert ax.collections[-1].get_linestyle() == [(0, [2.7, 1.8])] * 10  # 3, 2 x its width
    assert not ax.patches


@pytest.mark.parametrize(("theme", "stripe"), [("light", "#F4F4F4"), ("dark", DARK_TINT)])
def test_stripes_stay_behind_light_words_on_a_dark_page(theme: str, stripe: str) -> None:
    # the dark theme turns the words light: the stripes under them turn a shade lighter than
    # the page (they stayed #F4F4F4, and conv2d's name and shapes vanished into them)
    fig = trace_figure(report(load_model("mnist")))
    dress(fig, Look(theme=theme))
    stripes = fig.axes[0].collections[0]
    assert stripes.get_gid() == TINT_GID and stripes.zorder == -1
    assert (stripes.get_facecolor() == matplotlib.colors.to_rgba(stripe)).all()
    name = next(t for t in texts(fig) if t.get_text() == "conv2d")
    assert name.get_color() == ("#E8E8E8" if theme == "dark" else "black")


def test_title_option_and_one_row_without_counterfactuals() -> None:
    fig = trace_figure(report(load_model("mnist"), compare=()), title="My net")
    drawn = strings(fig)
    assert drawn[0] == "My net"
    assert "drop" not in drawn and "removed" not in drawn
    assert "original" in drawn


def test_captions_say_what_was_merged_and_why_a_row_stops() -> None:
    caption = strings(trace_figure(report(load_model("resnet18"))))[-1]
    assert "height ~ H (log scale)" in caption
    assert "Each residual block" in caption and "BatchNorm" in caption
    caption = " ".join(strings(trace_figure(unfit()))[-1].split())
    assert "strided: layer 'conv2' (conv 16 7x7) does not fit its input" in caption
    assert "height ~ H (log scale)" in caption


def test_caption_says_adaptive_pooling_repeats_values() -> None:
    """VGG-16 on 32x32: avgpool turns pool5's 1x1 into 7x7; the caption says it repeats."""
    caption = " ".join(strings(trace_figure(report(load_model("vgg16", (32, 32, 3)))))[-1].split())
    assert caption.endswith(
        "avgpool enlarges its input, 1x1x512 to 7x7x512: adaptive pooling keeps every value "
        "and repeats some."
    )
    caption = " ".join(strings(trace_figure(report(load_model("vgg16"))))[-1].split())
    assert "repeats" not in caption


def test_legend_shows_the_kinds_drawn() -> None:
    assert "residual block" in strings(trace_figure(report(load_model("resnet18"))))
    assert "residual block" not in strings(trace_figure(report(load_model("vgg16"))))


@pytest.mark.parametrize(
    "make",
    [
        lambda: report(load_model("vgg16")),
        lambda: report(load_model("resnet18"), batch=32),
        lambda: report(keras_sample("keras2_cnn")),
        lambda: report(load_model("lenet5")),
        unfit,
        lambda: report(load_model("conv 8 3, maxpool 2, conv 16 3, gap, dense 2", (12, 200, 3))),
    ],
    ids=["vgg16", "resnet18", "keras2_cnn", "lenet5", "unfit", "wide input"],
)
def test_no_label_overlaps_another_or_a_block(make: object) -> None:
    fig = trace_figure(make())  # type: ignore[operator]
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    boxes = [(t.get_text(), t.get_window_extent(renderer).shrunk(0.98, 0.9)) for t in texts(fig)]
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), (a, b)
    ax = fig.axes[0]
    blocks = [
        path.get_extents(ax.transData)
        for shapes in ax.collections
        if shapes.zorder >= 0
        for path in shapes.get_paths()
    ]
    for text, box in boxes:
        assert not any(box.overlaps(block) for block in blocks), text
    width, height = fig.get_size_inches() * fig.dpi
    for text, box in boxes:  # inside the figure: nothing left for bbox_inches to rescue
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, text


# Files


def png(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def test_png_opens_scales_with_dpi_and_shows_pooling(tmp_path: Path) -> None:
    sizes = []
    for dpi in (150, 300):
        path = tmp_path / f"trace{dpi}.png"
        code, out, err = run("mnist", "-o", str(path), "--dpi", str(dpi))
        assert (code, out, err) == (0, f"wrote {path}\n", "")
        pixels = png(path)
        sizes.append(pixels.shape[1])
    assert sizes[1] / sizes[0] == pytest.approx(2, rel=0.01)
    orange = np.array(matplotlib.colors.to_rgb(POOLING.colour)) * 255
    assert (np.abs(pixels - orange).max(axis=2) <= 2).sum() > 1000
    not_white = (pixels < 250).any(axis=2).mean()
    assert 0.05 < not_white < 0.6  # something is drawn, and it is not a solid fill
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50


@pytest.mark.parametrize(
    "args",
    [
        ["vgg16"],
        ["resnet18", "--batch", "8"],
        ["keras_mnist"],
        [UNFIT, "--input", "14x14x1"],
        ["alexnet", "--compare", "strided", "--title", "AlexNet"],
    ],
)
def test_every_kind_of_model_draws(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "trace.png"
    code, _, err = run(*args, "-o", str(path))
    assert (code, err) == (0, "")
    assert min(png(path).shape[:2]) > 500


def test_svg_and_pdf(tmp_path: Path) -> None:
    svg, pdf = tmp_path / "trace.svg", tmp_path / "trace.pdf"
    assert run("lenet5", "-o", str(svg))[0] == 0
    assert run("lenet5", "-o", str(pdf))[0] == 0
    assert svg.read_bytes().lstrip().startswith((b"<?xml", b"<svg"))
    assert svg.read_bytes().rstrip().endswith(b"</svg>")
    assert pdf.read_bytes().startswith(b"%PDF") and b"%%EOF" in pdf.read_bytes()[-32:]


def test_no_file_left_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Figure, fname: object, **kwargs: object) -> None:
        Path(str(fname)).write_bytes(b"\x89PNG half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", broken)
    target = tmp_path / "trace.png"
    code, out, err = run("-o", str(target))
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"error: cannot write {target}: no space left on device"]
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_kept_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "trace.png"
    target.write_bytes(b"old")

    def broken(self: Figure, fname: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", broken)
    assert run("-o", str(target))[0] != 0  # Ctrl-C while writing
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["trace.png"]


def test_a_deep_model_wraps_into_bands_a_slide_can_hold() -> None:
    fig = trace_figure(report(load_model("vgg16")), aspect="tall")
    assert fig.get_size_inches()[0] < 16  # 25 inches in one band (wide, auto's choice here)
    at = {t.get_text(): t.get_position() for t in texts(fig)}
    # the second band starts at conv4_1, below the first band's last column, at its left
    assert at["conv4_1"][1] < at["pool3"][1] - 5
    assert at["conv4_1"][0] < at["conv1_1"][0]
    totals = [t for t in texts(fig) if t.get_text().startswith("138,357,544 params")]
    assert len(totals) == 3 and all(t.get_position()[1] < at["conv4_1"][1] for t in totals)
    small = trace_figure(report(load_model("mnist")))  # one band: every name on one line
    names = {
        t.get_position()[1]
        for t in texts(small)
        if t.get_fontsize() == NAME_SIZE and t.get_fontweight() == "bold" and t.get_va() == "bottom"
    }
    assert len(names) == 1


def test_a_graph_s_merges_say_what_they_read(tmp_path: Path) -> None:
    pytest.importorskip("onnx", reason="onnx (poolviz[onnx]) is not installed")
    from poolviz.model.onnx_read import load_onnx
    from tests.onnx_graphs import resnet_style

    result = report(load_onnx(resnet_style(1).save(tmp_path / "r.onnx")))
    cols = {c.label: c for c in columns(result.original)}
    add = cols["/layer1/layer1.0/Add"]
    assert add.category is MERGE
    assert add.config == "add\n<- conv2/Conv, maxpool/MaxPool"
    # the relu after the add reads it: drawn with it
    assert add.names == ("/layer1/layer1.0/Add", "/layer1/layer1.0/relu_1/Relu")
    assert cols["/layer1/layer1.0/conv1/Conv"].config == "conv 8 3x3 pad 1"
    fig = trace_figure(result)
    assert "<-: what a layer reads" in "\n".join(t.get_text() for t in fig.axes[0].texts)
    assert wrap_name("/avgpool/GlobalAveragePool") == "/avgpool/\nGlobalAveragePool"


def test_words_are_drawn_unhinted_as_wide_as_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    """The layout measures words from their outlines (text_inches); drawn hinted, fitted to
    the pixel grid, VGG16's shapes were 8 pixels wider at 150 dpi and its caption 15. The
    figure draws them unhinted, at most 4 pixels wider (whole pixels either side), and
    leaves matplotlib's setting as it was."""
    fig = trace_figure(report(load_model("vgg16")))
    fig.set_dpi(150)
    drawn: list[tuple[Text, float, str]] = []
    draw = Text.draw

    def spy(text: Text, renderer: RendererBase) -> None:
        width = text.get_window_extent(renderer).width
        drawn.append((text, width, matplotlib.rcParams["text.hinting"]))
        draw(text, renderer)

    monkeypatch.setattr(Text, "draw", spy)
    before = matplotlib.rcParams["text.hinting"]
    FigureCanvasAgg(fig).draw()
    assert matplotlib.rcParams["text.hinting"] == before
    assert {hinting for _, _, hinting in drawn} == {"no_hinting"}
    wider = {
        t.get_text(): width - 150 * text_inches(t.get_text(), t.get_fontsize(), bold)
        for t, width, _ in drawn
        if t.get_text().strip() and t.get_fontstyle() == "normal"
        for bold in [t.get_fontweight() == "bold"]
    }
    assert len(wider) > 50 and max(wider.values()) <= 4, max(wider.items(), key=lambda kv: kv[1])
