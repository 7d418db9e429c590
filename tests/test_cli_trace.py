"""``poolviz trace`` end to end through click's runner, and its terminal renderer at 80 columns:
exact numbers, exit codes and error lines, NO_COLOR, plain ASCII, no matplotlib."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from poolviz.cli import main
from poolviz.model import load_model
from poolviz.model.builtin import BUILTINS
from poolviz.model.graph import Model, Residual
from poolviz.model.layers import Conv
from poolviz.model.pooling import MaxPool
from poolviz.model.trace import report
from poolviz.render.style import si
from poolviz.render.terminal.trace import TraceView, trace_report
from tests import cli

SAMPLES = Path(__file__).parent.parent / "poolviz" / "samples"


def run(*args: str) -> tuple[int, str, str]:
    return cli.run("trace", *args)


def render(model: str, *, ascii_only: bool = False) -> str:
    """The report at 80 columns without colour, as the style guide tests terminal output."""
    out = Console(width=80, color_system=None, file=io.StringIO(), highlight=False)
    out.print(trace_report(report(load_model(model)), TraceView(ascii_only=ascii_only)))
    return out.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def test_default_is_the_mnist_table() -> None:
    code, out, err = run()
    assert (code, err) == (0, "")
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0] == "mnist, input (batch, 28, 28, 1)"
    assert lines[1] == "layer           output shape        params  MACs values    RF jump   kept"
    assert lines[3:9] == [
        "conv2d +relu    (batch, 26, 26, 32)    320  216k  21.6k   3x3 1x1",
        "max_pooling2d   (batch, 13, 13, 32)      0     0  5.41k   4x4 2x2     25%",
        "conv2d_1 +relu  (batch, 11, 11, 64) 18,496 2.24M  7.74k   8x8 2x2",
        "max_pooling2d_1 (batch, 5, 5, 64)        0     0  1.60k 10x10 4x4   20.7%",
        "flatten         (batch, 1600)            0     0  1.60k 10x10 4x4",
        "dense           (batch, 10)         16,010 16.0k     10 28x28 whole",
    ]
    assert lines[10] == "total                               34,826 2.47M  38.0k 10x10 4x4"
    assert max(len(line) for line in out.splitlines()) <= 80


def test_default_compares_drop_and_strided_side_by_side() -> None:
    _, out, _ = run()
    lines = [line.rstrip() for line in out.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("layer") and "drop" in line)
    assert lines[start : start + 10] == [
        "layer             original   drop                strided",
        "─" * 69,
        "conv2d            26x26x32   26x26x32      320   13x13x32     320",
        "                                                 stride 2 (was 1)",
        "max_pooling2d     13x13x32   removed             folded into conv2d",
        "conv2d_1          11x11x64   24x24x64   18,496   6x6x64    18,496",
        "                                                 stride 2 (was 1)",
        "max_pooling2d_1   5x5x64     removed             folded into conv2d_1",
        "flatten           1600       36864           0   2304           0",
        "dense             10         10        368,650   10        23,050",
    ]
    assert lines[start + 11 : start + 15] == [
        "params            34,826     387,466 (11.1x)     41,866 (1.20x)",
        "MACs              2.47M      11.2M (4.55x)       743k (0.30x)",
        "values            38.0k      95.4k (2.51x)       10.0k (0.26x)",
        "RF                10x10      5x5                 7x7",
    ]


def test_summary_says_what_pooling_saved() -> None:
    _, out, _ = run()
    words = " ".join(out.split())
    assert (
        "Its pooling layers keep 25% (max_pooling2d) and 20.7% (max_pooling2d_1) of the "
        "values they see." in words
    )
    assert (
        "Without it (drop) this model would need 387,466 parameters instead of 34,826 "
        "(11.1x), 11.2M multiply-accumulates instead of 2.47M (4.55x) and 95,370 "
        "activation values instead of 37,994 (2.51x) per image, and its last feature map "
        "would see 5x5 input pixels instead of 10x10."
    ) in words
    assert (
        "Pooling saves 352,640 parameters, 8.77M multiply-accumulates and 230 kB of "
        "float32 activations here."
    ) in words
    assert (
        "(strided) gives 41,866 parameters (1.20x), 743k multiply-accumulates (0.30x) and "
        "10,026 activation values per image (0.26x), with a receptive field of 7x7."
    ) in words


@pytest.mark.parametrize(
    "model", [*BUILTINS, str(SAMPLES / "keras_mnist.json"), str(SAMPLES / "keras2_cnn.json")]
)
def test_every_model_fits_80_columns(model: str) -> None:
    code, out, err = run(model)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80


def test_resnet18_shows_blocks_and_non_trainable() -> None:
    _, out, _ = run("resnet18")
    lines = [line.rstrip() for line in out.splitlines()]
    assert "layer2.0       residual block" in lines
    assert "  downsample.0 (batch, 28, 28, 128)       8,192 6.42M   100k   43x43 8x8" in lines
    assert "  add +relu    (batch, 28, 28, 128)           0     0   100k   67x67 8x8" in lines
    assert "total                                11,689,512 1.81G  5.92M 435x435 32x32" in lines
    words = " ".join(out.split())
    assert (
        "BatchNorm's moving mean and variance (9,600 values) are buffers, not parameters, to "
        "PyTorch; Keras counts them as non-trainable parameters (total 11,699,112)."
    ) in words


def test_a_spec_string_model() -> None:
    code, out, _ = run(
        "conv 32 3 relu, maxpool 2, conv 64 3 stride 2 pad same, gap, dense 10",
        "--input",
        "32x32x3",
    )
    assert code == 0
    assert out.splitlines()[0] == "spec, input (batch, 32, 32, 3)"
    assert "conv2 (batch, 8, 8, 64) 18,496" in " ".join(out.split())


def test_batch_goes_into_shapes_macs_and_values() -> None:
    code, out, _ = run("--batch", "8", "--compare", "none")
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0] == "mnist, input (8, 28, 28, 1)"
    assert lines[3] == "conv2d +relu    (8, 26, 26, 32)    320 1.73M   173k   3x3 1x1"
    assert not any("drop" in line for line in lines)
    assert "Without it (drop)" not in out  # no comparison, no sentence about one
    assert "Totals for a batch of 8, as torchinfo's summary counts them" in out


def test_compare_one_counterfactual() -> None:
    _, out, _ = run("--compare", "strided")
    header = next(line for line in out.splitlines() if "original" in line)
    assert header.split() == ["layer", "original", "strided"]
    assert "Without it (drop)" not in out and "(strided) gives" in out


@pytest.mark.parametrize("value", ["both", "drop,strided", "strided,drop", "BOTH"])
def test_compare_both_is_what_help_offers(value: str) -> None:
    """--help offers ``both``; it means drop and strided, in that order, as the default."""
    _, help_text, _ = run("--help")
    assert "drop, strided, both (drop,strided) or none" in " ".join(help_text.split())
    code, out, err = run("--compare", value)
    assert (code, err) == (0, "")
    header = next(line for line in out.splitlines() if "original" in line)
    assert header.split() == ["layer", "original", "drop", "strided"]
    assert out == run()[1]


def test_json() -> None:
    code, out, _ = run("--json", "--batch", "2")
    assert code == 0
    body = json.loads(out)
    assert (body["model"], body["input_shape"], body["batch"]) == ("mnist", [2, 28, 28, 1], 2)
    first = body["layers"][0]
    assert {
        k: first[k]
        for k in (
            "name",
            "kind",
            "output_shape",
            "params",
            "non_trainable",
            "macs",
            "activations",
            "receptive_field",
            "jump",
        )
    } == {
        "name": "conv2d",
        "kind": "conv",
        "output_shape": [2, 26, 26, 32],
        "params": 320,
        "non_trainable": 0,
        "macs": 432_640,
        "activations": 43_264,
        "receptive_field": [3, 3],
        "jump": [1, 1],
    }
    # flatten keeps its input's field; the dense layer after it sees the whole input
    assert body["layers"][4]["jump"] == [4, 4] and body["layers"][4]["whole_input"] is False
    assert body["layers"][5]["jump"] is None and body["layers"][5]["whole_input"] is True
    assert body["totals"] == {
        "params": 34_826,
        "non_trainable": 0,
        "macs": 4_940_692,
        "activations": 75_988,
        "input_bytes": 2 * 784 * 4,
        "activation_bytes": 75_988 * 4,
        # conv2d, conv2d_1 and dense output 21,632 + 7,744 + 10 values per image; x2 x4 bytes
        "forward_backward_bytes": 2 * 2 * 29_386 * 4,
        "param_bytes": 34_826 * 4,
        "total_bytes": 6_272 + 470_176 + 139_304,
        "receptive_field": [10, 10],
        "jump": [4, 4],
        "whole_input": False,
    }
    assert set(body["compare"]) == {"drop", "strided"}
    assert body["compare"]["drop"]["totals"]["params"] == 387_466
    assert body["compare"]["strided"]["totals"]["params"] == 41_866
    assert body["compare"]["drop"]["removed"] == {
        "max_pooling2d": "removed",
        "max_pooling2d_1": "removed",
    }
    assert body["compare"]["strided"]["problem"] is None


def test_json_of_an_invalid_counterfactual() -> None:
    code, out, _ = run("--json", "--input", "4x4x1", "conv 8 3, maxpool 2 2 1, conv 8 2")
    assert code == 0
    strided = json.loads(out)["compare"]["strided"]
    assert strided["totals"] is None
    assert strided["problem"]["layer"] == "conv2"


def test_an_invalid_counterfactual_row_says_so() -> None:
    code, out, _ = run("--input", "4x4x1", "conv 8 3, maxpool 2 2 1, conv 8 2, flatten, dense 4")
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    assert any(re.fullmatch(r"conv2 +1x1x8 +1x1x8 +264 +does not fit", line) for line in lines)
    assert any(re.fullmatch(r"flatten +8 +8 +0 +not reached", line) for line in lines)
    assert (
        "With strided convolutions (strided) the model breaks at conv2, and its trace stops "
        "there. Layer "
        "'conv2' (conv 8 2x2) does not fit its input (batch, 1, 1, 8): a window of 2 "
        "(span 2) does not fit the height of length 1 with padding 0."
    ) in " ".join(out.split())


def test_an_absurd_layer_is_flagged() -> None:
    _, out, _ = run(
        "--input", "224x224x3", "conv 64 3, maxpool 2, conv 64 3, maxpool 2, flatten, dense 4096"
    )
    lines = [line.rstrip() for line in out.splitlines()]
    assert "dense      4096          4096         12.7G !     4096        792,989,696" in lines
    assert "Without pooling, dense alone would have 12,687,773,696 parameters: absurd." in " ".join(
        out.split()
    )


def test_no_pooling_no_counterfactual_talk() -> None:
    _, out, _ = run("conv 8 3, flatten, dense 2")
    assert (
        "This model has no fixed-window pooling layers: there is nothing to drop or fold "
        "into a convolution."
    ) in " ".join(out.split())


@pytest.mark.parametrize(
    ("args", "code", "error", "hint"),
    [
        (
            ["conv 32 3, maxpol 2"],
            2,
            "error: unknown layer 'maxpol' at position 2 in the spec; use conv, maxpool, avgpool, "
            "adaptiveavgpool, adaptivemaxpool, fractionalmaxpool, lppool, blurpool, gap, gmp, "
            "flatten, dense, dropout, bn, zeropad, or an activation "
            "(relu, tanh, sigmoid, softmax, ...)",
            "did you mean 'maxpool'?",
        ),
        (
            ["conv 8 30"],
            2,
            "error: layer 'conv' (conv 8 30x30) does not fit its input (batch, 28, 28, 1): a "
            "window of 30 (span 30) does not fit the height of length 28 with padding 0",
            None,
        ),
        (
            ["missing.json"],
            2,
            "error: missing.json: no such file",
            "give a Keras model saved with model.to_json()",
        ),
        (
            ["--input", "28x28"],
            2,
            "error: --input '28x28' is not HxWxC; use three whole numbers such as 28x28x1",
            "try: poolviz trace --help",
        ),
        (
            ["--compare", "dorp"],
            2,
            "error: --compare 'dorp' is not a counterfactual; use drop, strided, both "
            "(drop,strided) or none",
            "try: poolviz trace --help",
        ),
        (
            ["-o", "trace.gif"],
            2,
            "error: --output trace.gif has an unknown extension .gif; use .png, .svg or .pdf",
            "try: poolviz trace --help",
        ),
        (
            ["--cmap", "viridis"],
            2,
            "error: no such option '--cmap'. Did you mean '--compare'?",
            "try: poolviz trace --help",
        ),
    ],
)
def test_errors(args: list[str], code: int, error: str, hint: str | None) -> None:
    exit_code, out, err = run(*args)
    assert (exit_code, out) == (code, "")
    assert err.splitlines() == [error] + ([hint] if hint else [])


def test_a_file_that_is_not_a_model_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("[1, 2]")
    code, _, err = run(str(path))
    assert code == 1
    assert err.splitlines() == [
        f"error: {str(path)!r}: not a Keras model; expected the JSON "
        "of model.to_json(), whose class_name is Sequential or "
        "Functional"
    ]
    code, _, err = run(str(tmp_path) + "/")
    assert code == 2 and "is a folder" in err


def test_a_keras_sample_by_name() -> None:
    code, out, err = run("keras2_cnn")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "keras2_cnn.json, input (batch, 32, 32, 3)"
    code, out, _ = run("keras_mnist", "--input", "32x32x1", "--json")
    assert code == 0 and json.loads(out)["input_shape"] == [None, 32, 32, 1]


def test_help_names_the_keras_samples() -> None:
    result = CliRunner().invoke(main, ["trace", "--help"], env={"COLUMNS": "80"})
    assert "(keras_mnist, keras2_cnn)" in " ".join(result.stdout.split())


def test_o_writes_a_figure(tmp_path: Path) -> None:
    target = tmp_path / "trace.png"
    code, out, err = run("-o", str(target))
    assert (code, out, err) == (0, f"wrote {target}\n", "")
    assert target.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == ["trace.png"]


def test_o_leaves_no_file_when_the_model_is_bad(tmp_path: Path) -> None:
    target = tmp_path / "trace.png"
    code, _, err = run("conv 8 30", "-o", str(target))
    assert code == 2 and "does not fit" in err
    assert list(tmp_path.iterdir()) == []


def test_help_fits_80_columns_with_examples() -> None:
    result = CliRunner().invoke(main, ["trace", "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "Examples:" in result.stdout
    assert result.stdout.count("  poolviz trace") >= 3


def test_renderer_no_colour_and_plain_ascii() -> None:
    text = render("resnet18", ascii_only=True)
    assert text.isascii()
    assert "-" * 20 in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_no_colour_under_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = Console(width=80, file=io.StringIO(), force_terminal=True)
    out.print(trace_report(report(load_model("mnist"))))
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert not re.search(r"\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;)", text)


def test_subprocess_ascii_terminal_and_no_matplotlib() -> None:
    code = (
        "import sys\n"
        "from poolviz.cli.app import main\n"
        "main.main(['trace', 'resnet18'], standalone_mode=False)\n"
        "print('matplotlib' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "COLUMNS": "80", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=True)
    out = done.stdout.decode("ascii")  # raises if a non-ASCII byte got through
    assert out.splitlines()[-1] == "False"
    assert "total" in out and "--------" in out


def test_si() -> None:
    assert [si(n) for n in (0, 10, 999, 1_000, 16_010, 216_320, 999_600, 2_238_016, 1.5e13)] == [
        "0",
        "10",
        "999",
        "1.00k",
        "16.0k",
        "216k",
        "1.00M",
        "2.24M",
        "15.0T",
    ]


def test_adaptive_pooling_to_a_larger_map() -> None:
    """VGG-16 on 32x32: pool5 gives 1x1, which avgpool repeats into 7x7. It keeps every value
    (was 4.9e+03%); the field, which covers the input from conv4_1 on, never shrinks (was
    212x212, then 32x32 whole at flatten); the jump is whole (was 0x0)."""
    code, out, err = run("vgg16", "--input", "32x32x3")
    assert (code, err) == (0, "")
    lines = [line.rstrip() for line in out.splitlines()]
    at = lines.index(next(line for line in lines if line.startswith("pool3 ")))
    assert lines[at : at + 2] == [
        "pool3         (batch, 4, 4, 256)             0     0  4.10k   44x44 8x8     25%",
        "conv4_1 +relu (batch, 4, 4, 512)     1,180,160 18.9M  8.19k   60x60 whole",
    ]
    at = lines.index(next(line for line in lines if line.startswith("pool5 ")))
    assert lines[at : at + 3] == [
        "pool5         (batch, 1, 1, 512)             0     0    512 212x212 whole   25%",
        "avgpool       (batch, 7, 7, 512)             0     0  25.1k 212x212 whole 100%*",
        "flatten       (batch, 25088)                 0     0  25.1k 212x212 whole",
    ]
    assert "total                              138,357,544  437M   375k 212x212 whole" in lines
    assert "*: adaptive pooling to a larger map keeps every value, and repeats some." in lines
    assert "RF        212x212 whole   32x32                    181x181 whole" in lines
    text = " ".join(lines)
    assert (
        "Its 5 fixed-window pooling layers each keep 25% of the values they see. Its adaptive "
        "pooling layer avgpool keeps 100% of the values it sees, and repeats some; drop and "
        "strided leave it in place."
    ) in text
    assert "its last feature map would see 32x32 input pixels instead of the whole input." in text
    assert "with a receptive field of 181x181, the whole input." in text
    body = cli.json_of("trace", "vgg16", "--input", "32x32x3")
    rows = {r["name"]: r for r in body["layers"]}
    assert {
        k: rows["avgpool"][k]
        for k in ("receptive_field", "jump", "whole_input", "kept", "repeated")
    } == {
        "receptive_field": [212, 212],
        "jump": None,
        "whole_input": True,
        "kept": 1,
        "repeated": True,
    }
    assert rows["pool3"]["jump"] == [8, 8] and rows["conv4_1"]["whole_input"] is True
    assert rows["flatten"]["receptive_field"] == [212, 212]
    assert body["totals"]["whole_input"] is True and body["totals"]["jump"] is None
    fields = [r["receptive_field"][0] for r in body["layers"]]
    assert fields == sorted(fields)


def test_fractional_jump_after_adaptive_pooling() -> None:
    """26 cells pooled to 40: neighbours 26/40 = 0.65 input pixels apart, bins of 1 or 2."""
    spec = "conv 8 3, adaptiveavgpool 40, conv 8 3, flatten, dense 10"
    code, out, _ = run(spec)
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[4:7] == [
        "adaptiveavgpool (batch, 40, 40, 8)       0     0  12.8k   4x4 0.65x0.65 100%*",
        "conv2           (batch, 38, 38, 8)     584  843k  11.6k   6x6 0.65x0.65",
        "flatten         (batch, 11552)           0     0  11.6k   6x6 0.65x0.65",
    ]
    assert " ".join(lines).endswith(
        "This model has no fixed-window pooling layers: there is nothing to drop or fold "
        "into a convolution. Its adaptive pooling layer adaptiveavgpool keeps 100% of the "
        "values it sees, and repeats some; drop and strided leave it in place."
    )
    body = cli.json_of("trace", spec)
    assert [r["jump"] for r in body["layers"][1:3]] == [[0.65, 0.65], [0.65, 0.65]]
    assert body["layers"][1]["kept"] == 1 and body["layers"][1]["repeated"] is True
    assert body["totals"]["jump"] == [0.65, 0.65]


def test_summary_names_global_pooling_apart() -> None:
    """The share is said of the fixed-window layers only, and the global ones are named too:
    drop and strided keep them (was: "Its 2 pooling layers each keep 25%")."""
    _, out, _ = run("keras2_cnn")
    text = " ".join(line.rstrip() for line in out.splitlines())
    assert (
        "Side by side: drop removes the fixed-window max and average pooling layers; strided "
        "folds each into the convolution before it, as its stride; both keep the global "
        "pooling. Per layer:"
    ) in text
    assert (
        "Its 2 fixed-window pooling layers each keep 25% of the values they see. Its global "
        "pooling layer global_average_pooling2d_1 keeps 1.56% of the values it sees; drop and "
        "strided leave it in place."
    ) in text
    _, out, _ = run("conv 32 3, maxpool 2, conv 64 3, gap, dense 10")
    text = " ".join(line.rstrip() for line in out.splitlines())
    assert (
        "Its fixed-window pooling layer keeps 25% of the values it sees. Its global pooling "
        "layer gap keeps 0.826% of the values it sees; drop and strided leave it in place."
    ) in text
    _, out, _ = run("conv 8 3, maxpool 2, adaptiveavgpool 5, conv 8 1, gmp, dense 10")
    text = " ".join(line.rstrip() for line in out.splitlines())
    assert (
        "Its fixed-window pooling layer keeps 25% of the values it sees. Its global and "
        "adaptive pooling layers keep 14.8% (adaptiveavgpool) and 4% (gmp) of the values they "
        "see; drop and strided leave them in place."
    ) in text
    assert "both keep the global and adaptive pooling." in text


def test_model_without_global_pooling_says_pooling_as_before() -> None:
    _, out, _ = run()
    text = " ".join(line.rstrip() for line in out.splitlines())
    assert "Side by side: drop removes the max and average pooling layers; strided folds" in text
    assert "Its pooling layers keep 25% (max_pooling2d) and 20.7% (max_pooling2d_1)" in text
    assert "fixed-window" not in text and "global" not in text


@pytest.mark.parametrize(
    ("keep", "message"),
    [
        ((), "the model has no layers"),
        (("InputLayer",), "the model has no layers but its InputLayer"),
    ],
)
def test_keras_model_without_layers_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep: tuple[str, ...], message: str
) -> None:
    """Was accepted: a table of zeros, RF 1x1, a comparison, and a figure written."""
    data = json.loads((SAMPLES / "keras_mnist.json").read_text())
    data["config"]["layers"] = [e for e in data["config"]["layers"] if e["class_name"] in keep]
    (tmp_path / "m.json").write_text(json.dumps(data))
    monkeypatch.chdir(tmp_path)
    for extra in ((), ("--json",), ("-o", "out.png")):
        code, out, err = run("m.json", *extra)
        assert (code, out) == (1, "")
        assert err == (
            f"error: 'm.json': {message}; poolviz traces a model with at least one layer, "
            "such as Conv2D, MaxPooling2D, Flatten or Dense\n"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]


def test_spec_without_layers_exits_2() -> None:
    for spec in ("", " ", ","):
        code, out, err = run(spec)
        assert (code, out) == (2, "")
        assert err.startswith("error: the spec is empty; give layers separated by commas")


def test_a_file_or_folder_that_exists_is_read_as_a_model_not_a_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").mkdir()
    (tmp_path / "spec.txt").write_text("conv 8 3\n")
    code, _, err = run("models")
    assert (code, err) == (2, "error: models: is a folder; give a file inside it\n")
    code, _, err = run("spec.txt")
    assert code == 1
    assert err.startswith("error: 'spec.txt' is not JSON (line 1, column 1: Expecting value)")


def render_at(model: str, width: int, compare: tuple[str, ...] = ("drop", "strided")) -> str:
    """The report at ``width`` columns without colour."""
    out = Console(width=width, color_system=None, file=io.StringIO(), highlight=False)
    out.print(trace_report(report(load_model(model), compare), TraceView()))
    return out.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def test_long_names_are_shortened_in_the_middle_not_split() -> None:
    """keras2_cnn's global_average_pooling2d_1 split mid-word over two lines at 80 columns."""
    lines = [line.rstrip() for line in render_at(str(SAMPLES / "keras2_cnn.json"), 80).splitlines()]
    assert (
        "global_aver…ooling2d_1 (batch, 64)              0     0     64 32x32 whole 1.56%" in lines
    )
    assert not any(line.startswith("2d_1") for line in lines)


def test_at_60_columns_columns_go_before_names_shrink() -> None:
    """At 60 columns the table leaves out jump and values (and says so) rather than
    squeezing the names to two characters."""
    lines = [line.rstrip() for line in render_at("mnist", 60, ()).splitlines()]
    assert lines[1:11] == [
        "layer           output shape        params  MACs    RF  kept",
        "─" * 60,
        "conv2d +relu    (batch, 26, 26, 32)    320  216k   3x3",
        "max_pooling2d   (batch, 13, 13, 32)      0     0   4x4   25%",
        "conv2d_1 +relu  (batch, 11, 11, 64) 18,496 2.24M   8x8",
        "max_pooling2d_1 (batch, 5, 5, 64)        0     0 10x10 20.7%",
        "flatten         (batch, 1600)            0     0 10x10",
        "dense           (batch, 10)         16,010 16.0k 28x28",
        "─" * 60,
        "total                               34,826 2.47M 10x10",
    ]
    assert " ".join(" ".join(lines[11:14]).split()) == (
        "RF: receptive field. kept: the share of its input a pooling layer keeps. Left out "
        "to fit the terminal: jump, values (--json has all)."
    )


@pytest.mark.parametrize(
    "model", [*BUILTINS, str(SAMPLES / "keras_mnist.json"), str(SAMPLES / "keras2_cnn.json")]
)
def test_every_model_fits_60_columns_with_whole_names_or_ellipses(model: str) -> None:
    text = render_at(model, 60)
    assert max(len(line) for line in text.splitlines()) <= 60
    names = {r.name.rsplit(".", 1)[-1] for r in report(load_model(model)).original.rows}
    first_words = {line.split()[0] for line in text.splitlines() if line.strip()}
    # every row starts with a layer's whole name or a shortened one, never a fragment
    for word in first_words & {n[:2] for n in names if len(n) > 2}:
        assert word in names, word


def test_names_shorten_with_ascii_dots_in_an_ascii_terminal() -> None:
    out = Console(width=60, color_system=None, file=io.StringIO(), highlight=False)
    out.print(
        trace_report(report(load_model(str(SAMPLES / "keras2_cnn.json")), ()), TraceView(True))
    )
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "global_av...oling2d_1 (batch, 64)" in text and "…" not in text
    text.encode("ascii")


def test_flatten_keeps_the_receptive_field_and_dense_mixes() -> None:
    rows = report(load_model("mnist"), ()).original.rows
    assert [(r.name, r.receptive_field, r.jump) for r in rows[3:]] == [
        ("max_pooling2d_1", (10, 10), (4, 4)),
        ("flatten", (10, 10), (4, 4)),  # it moves values, it mixes no positions
        ("dense", (28, 28), None),
    ]


def test_dense_on_a_feature_map_says_it_acts_per_position() -> None:
    code, out, _ = run("conv 8 3, dense 4, maxpool 2")
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    assert "dense   (batch, 26, 26, 4)     36 24.3k  2.70k 3x3 1x1" in lines
    assert (
        "dense: a dense layer on a feature map acts at each position, on its channels, like a "
        "1x1 convolution (Keras's Dense, and PyTorch's Linear on the last axis); it mixes no "
        "positions."
    ) in " ".join(out.split())
    assert "acts at each position" not in run()[1]  # mnist's dense reads a vector


# torchinfo 1.8.0's summary of torchvision's models at batch 1 (input 1x3x224x224), and of the
# mnist model as a PyTorch module (Conv2d(1, 32, 3), ReLU, MaxPool2d(2), Conv2d(32, 64, 3),
# ReLU, MaxPool2d(2), Flatten, Linear(1600, 10)) at batch 8; tests/test_torchinfo.py checks
# them against torchinfo itself where it is installed. "Forward activations" is poolviz's own:
# every layer's output values (the values column's total) as float32.
TORCHINFO = {
    ("resnet18", None): [
        "Total params                     11,689,512",
        "Trainable params                 11,689,512",
        "Non-trainable params                      0",
        "Total mult-adds (G)                    1.81",
        "Input size (MB)                        0.60",
        "Forward activations (MB)              23.69",
        "Forward/backward pass size (MB)       39.75",
        "Params size (MB)                      46.76",
        "Estimated total size (MB)             87.11",
    ],
    ("vgg16", None): [
        "Total params                     138,357,544",
        "Trainable params                 138,357,544",
        "Non-trainable params                       0",
        "Total mult-adds (G)                    15.48",
        "Input size (MB)                         0.60",
        "Forward activations (MB)               60.58",
        "Forward/backward pass size (MB)       108.45",
        "Params size (MB)                      553.43",
        "Estimated total size (MB)             662.49",
    ],
    ("mnist", "8"): [
        "Total params                     34,826",
        "Trainable params                 34,826",
        "Non-trainable params                  0",
        "Total mult-adds (M)               19.76",
        "Input size (MB)                    0.03",
        "Forward activations (MB)           1.22",
        "Forward/backward pass size (MB)    1.88",
        "Params size (MB)                   0.14",
        "Estimated total size (MB)          2.05",
    ],
}


@pytest.mark.parametrize(("model", "batch"), list(TORCHINFO))
def test_totals_table_gives_torchinfos_numbers(model: str, batch: str | None) -> None:
    args = [model, "--compare", "none", *(["--batch", batch] if batch else [])]
    code, out, _ = run(*args)
    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    start = lines.index(TORCHINFO[model, batch][0])
    assert lines[start : start + 9] == TORCHINFO[model, batch]


def test_block_names_are_printed_as_written_not_as_markup() -> None:
    """A residual block's row holds its name alone: rich must not read ``[/]`` (a closing tag
    with nothing to close: MarkupError) or ``[bold]x[/bold]`` as markup, in either table."""
    model = Model.chain(
        "m",
        (8, 8, 1),
        (
            Conv("stem", 2, (3, 3), padding=(1, 1)),
            MaxPool("pool", (2, 2), (2, 2)),
            Residual("[/]", (Conv("[/].conv", 2, (3, 3), padding=(1, 1)),)),
            Residual("[bold]x[/bold]", (Conv("[bold]x[/bold].conv", 2, (3, 3), padding=(1, 1)),)),
        ),
    )
    out = Console(width=80, color_system=None, file=io.StringIO(), highlight=False)
    out.print(trace_report(report(model), TraceView()))
    lines = [line.rstrip() for line in out.file.getvalue().splitlines()]  # type: ignore[attr-defined]
    assert lines[5:8] == [
        "[/]            residual block",
        "  conv         (batch, 4, 4, 2)     38   608     32   8x8 2x2",
        "  add          (batch, 4, 4, 2)      0     0     32   8x8 2x2",
    ]
    assert lines[8] == "[bold]x[/bold] residual block"
    side = lines.index("layer            original   drop            strided")
    assert lines[side + 5] == "[/]"
    assert lines[side + 8] == "[bold]x[/bold]"


def test_onnx_node_names_are_printed_as_written(tmp_path: Path) -> None:
    """A layer's row, and the model's name from its file, are text too, never markup."""
    pytest.importorskip("onnx", reason="onnx (the run extra) is not installed")
    from tests.onnx_graphs import GraphBuilder

    g = GraphBuilder(1, (8, 8))
    x = g.conv("[/]", "x", 1, 2, 3, pads=[1, 1, 1, 1])
    g.add("MaxPool", "[bold]x[/bold]", [x], kernel_shape=[2, 2], strides=[2, 2])
    code, out, err = run(str(g.save(tmp_path / "[red]m.onnx")), "--compare", "none")
    assert (code, err) == (0, "")
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0] == "[red]m.onnx, input (batch, 8, 8, 1)"
    assert lines[3:5] == [
        "[/]            (batch, 8, 8, 2)     20 1.28k    128 3x3 1x1",
        "[bold]x[/bold] (batch, 4, 4, 2)      0     0     32 4x4 2x2   25%",
    ]


def test_a_run_too_wide_for_its_column_drops_what_its_last_name_repeats() -> None:
    # "layer1.0 .. layer1.1 (x2)" did not fit at 80 columns and was cut mid-name
    code, out, _ = run("resnet18", "--depth", "1", "--compare", "none")
    assert code == 0
    assert any(line.startswith("layer1.0..1 (x2) ") for line in out.splitlines())
    assert "…" not in out
