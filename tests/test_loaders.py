"""Loaders: every input kind, and every bad input with its exact message and exit code."""

from __future__ import annotations

import io
import pickle
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageFile, ImageOps

import poolviz
from poolviz import loaders
from poolviz.errors import PoolvizError, PoolvizRuntimeError
from poolviz.loaders import load_path, load_sample, parse_matrix, parse_text_matrix, png16

SEED_4X4 = [[1, 3, 2, 1], [5, 6, 8, 4], [2, 4, 7, 3], [1, 0, 3, 2]]


def check_usage(err: pytest.ExceptionInfo[PoolvizError]) -> None:
    assert err.value.exit_code == 2
    assert not isinstance(err.value, PoolvizRuntimeError)


def refused(path: Path | str, message: str, **options: object) -> None:
    """Loading ``path`` is a runtime error (exit 1) with exactly ``message``."""
    with pytest.raises(PoolvizRuntimeError) as err:
        load_path(path, **options)  # type: ignore[arg-type]
    assert err.value.exit_code == 1
    assert err.value.message == message


def rejected(path: Path | str, message: str, **options: object) -> None:
    """Loading ``path`` is a usage error (exit 2) with exactly ``message``."""
    with pytest.raises(PoolvizError) as err:
        load_path(path, **options)  # type: ignore[arg-type]
    assert err.value.exit_code == 2
    assert not isinstance(err.value, PoolvizRuntimeError)
    assert err.value.message == message


def save_image(path: Path, array: np.ndarray, mode: str | None = None) -> Path:
    Image.fromarray(array, mode).save(path)
    return path


# Inline matrices


def test_parse_matrix_rows_by_semicolon_values_by_space() -> None:
    array = parse_matrix("1 3 2 1; 5 6 8 4; 2 4 7 3; 1 0 3 2")
    assert array.dtype == np.float64
    assert array.tolist() == SEED_4X4


def test_parse_matrix_newlines_commas_and_trailing_semicolon() -> None:
    assert parse_matrix("1, 2,3\n4 ,5 6;").tolist() == [[1, 2, 3], [4, 5, 6]]


def test_parse_matrix_numbers_negative_decimal_scientific_nan_inf() -> None:
    array = parse_matrix("-1 2.5 1e3 -2E-2; nan inf -inf +.5")
    assert array[0].tolist() == [-1, 2.5, 1000, -0.02]
    assert np.isnan(array[1, 0])
    assert array[1, 1:].tolist() == [np.inf, -np.inf, 0.5]


def test_parse_matrix_channels_by_bar_give_hwc() -> None:
    array = parse_matrix("1 2; 3 4 | 5 6; 7 8")
    assert array.shape == (2, 2, 2)
    assert array[..., 0].tolist() == [[1, 2], [3, 4]]
    assert array[..., 1].tolist() == [[5, 6], [7, 8]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "1 3 2 1; 5 6 8",
            "row 2 has 3 values but row 1 has 4 (every row needs the same number of values)",
        ),
        ("1 2 x 4", "'x' at row 1, column 3 is not a number"),
        ("1 2; 3 1_0", "'1_0' at row 2, column 2 is not a number"),
        ("1 2; 3 ٣", "'٣' at row 2, column 2 is not a number"),
        ("1 2; 3", "row 2 has 1 value but row 1 has 2 (every row needs the same number of values)"),
        ("", 'the matrix is empty; give rows of numbers such as "1 3; 5 6"'),
        (" ; \n ;", 'the matrix is empty; give rows of numbers such as "1 3; 5 6"'),
        ("1 2 |", "channel 2 is empty; put rows of numbers between the | marks"),
        ("1,,2", "row 1, column 2 is empty; put a number between the commas"),
        ("1e999", "'1e999' at row 1, column 1 is too large for a float64"),
        (
            "1 2; 3 4 | 5 6",
            "channel 2 is 1x2 but channel 1 is 2x2 (every channel needs the same shape)",
        ),
        (
            "1 2 | 3 4; 5",
            "channel 2, row 2 has 1 value but row 1 has 2 "
            "(every row needs the same number of values)",
        ),
        ("1 | 2 y", "'y' at channel 2, row 1, column 2 is not a number"),
        ("1 " + "z" * 40, "'zzzzzzzzzzzzzzzzzzz…' at row 1, column 2 is not a number"),
    ],
)
def test_parse_matrix_errors_name_row_and_column(text: str, message: str) -> None:
    with pytest.raises(PoolvizError) as err:
        parse_matrix(text)
    check_usage(err)
    assert err.value.message == message


@given(st.text())
def test_parse_matrix_returns_an_array_or_raises_poolviz_error(text: str) -> None:
    try:
        array = parse_matrix(text)
    except PoolvizError as err:
        assert "\n" not in err.message
        return
    assert array.dtype == np.float64
    assert array.ndim in (2, 3)
    assert all(n >= 1 for n in array.shape)


@given(
    st.lists(
        st.lists(st.floats(allow_nan=False, allow_infinity=True, width=64), min_size=3, max_size=3),
        min_size=1,
        max_size=4,
    )
)
def test_parse_matrix_reads_back_what_repr_writes(rows: list[list[float]]) -> None:
    text = "; ".join(" ".join(repr(v) for v in row) for row in rows)
    assert parse_matrix(text).tolist() == rows


# Text files and stdin


def test_text_file_spaces_commas_tabs_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("# a comment\n1,3,2,1\n5\t6\t8\t4  # trailing\n2 4 7 3\n1, 0, 3, 2\n")
    loaded = load_path(path)
    assert loaded.array.tolist() == SEED_4X4
    assert (loaded.name, loaded.kind, loaded.dtype, loaded.source_shape) == (
        "m.csv",
        "text",
        "float64",
        (4, 4),
    )


def test_text_file_blank_line_between_channels(tmp_path: Path) -> None:
    path = tmp_path / "m.txt"
    path.write_text("1 2\n3 4\n\n# channel 2\n5 6\n7 8\n\n\n9 10\n11 12\n")
    array = load_path(path).array
    assert array.shape == (2, 2, 3)
    assert array[..., 2].tolist() == [[9, 10], [11, 12]]


def test_text_file_ragged_rows_name_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.txt"
    path.write_text("# header\n1 2 3\n4 5\n")
    refused(
        path,
        f"{path}: line 3 has 2 values but line 2 has 3 (every row needs the same number of values)",
    )


def test_text_file_non_numeric_token(tmp_path: Path) -> None:
    path = tmp_path / "m.tsv"
    path.write_text("1\t2\n3\tabc\n")
    refused(path, f"{path}: 'abc' at line 2, column 2 is not a number")


def test_text_file_channels_of_different_shapes(tmp_path: Path) -> None:
    path = tmp_path / "m.txt"
    path.write_text("1 2\n3 4\n\n5 6\n")
    refused(
        path, f"{path}: channel 2 is 1x2 but channel 1 is 2x2 (every channel needs the same shape)"
    )


def test_text_file_comments_only(tmp_path: Path) -> None:
    path = tmp_path / "m.txt"
    path.write_text("# nothing here\n\n")
    refused(path, f"{path}: no numbers found; a text matrix has one row of numbers per line")


def test_text_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "m.txt"
    path.write_bytes(b"1 2\xff\n")
    refused(path, f"{path}: not a text file (not UTF-8); a text matrix is rows of numbers")


def test_parse_text_matrix_prefixes_the_name() -> None:
    with pytest.raises(PoolvizRuntimeError, match="^data: 'q' at line 1, column 1 is not a"):
        parse_text_matrix("q", "data")


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("1 2\n3 4\n"))
    loaded = load_path("-")
    assert loaded.array.tolist() == [[1, 2], [3, 4]]
    assert (loaded.name, loaded.kind) == ("stdin", "text")


def test_stdin_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    refused("-", "stdin: nothing was given; pipe in a text matrix, an image or a .npy/.npz array")


def test_stdin_refuses_image_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("1 2\n3 4\n"))
    rejected("-", "--gray applies to images, not stdin", gray=True)


def pipe(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """Standard input holding ``data``, bytes beneath text as a real one has."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_stdin_reads_images_and_arrays_by_their_first_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``poolviz pool - < photo.png`` read the PNG as text ('\\udc89PNG' is not a number)."""
    rgb = (np.arange(4 * 5 * 3).reshape(4, 5, 3) * 4).astype(np.uint8)
    files = {
        "image": save_image(tmp_path / "a.png", rgb),
        "npy": tmp_path / "a.npy",
        "npz": tmp_path / "a.npz",
    }
    np.save(files["npy"], rgb.astype(np.int16))
    np.savez(files["npz"], only=rgb.astype(np.float32))
    for kind, path in files.items():
        pipe(monkeypatch, path.read_bytes())
        loaded = load_path("-")
        assert (loaded.name, loaded.kind, loaded.array.shape) == ("stdin", kind, (4, 5, 3))
        assert np.array_equal(loaded.array, rgb)
    pipe(monkeypatch, files["image"].read_bytes())
    grey = load_path("-", gray=True, resize=(2, 3))
    assert grey.array.shape == (2, 3) and grey.source_shape == (4, 5, 3)
    pipe(monkeypatch, files["npy"].read_bytes())
    nchw = load_path("-", layout="nchw")
    assert nchw.array.shape == (5, 3, 4)
    pipe(monkeypatch, b"\xef\xbb\xbf1 2\n3 4\n")
    text = load_path("-")
    assert (text.kind, text.array.tolist()) == ("text", [[1, 2], [3, 4]])


def test_stdin_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    png = save_image(tmp_path / "a.png", np.zeros((4, 4, 3), np.uint8)).read_bytes()
    np.save(tmp_path / "a.npy", np.zeros((4, 4)))
    np.savez(tmp_path / "two.npz", a=np.zeros((2, 2)), b=np.ones((2, 2)))
    pipe(monkeypatch, png)
    rejected("-", "--layout nchw applies to .npy and .npz arrays, not stdin", layout="nchw")
    pipe(monkeypatch, (tmp_path / "a.npy").read_bytes())
    rejected("-", "--gray applies to images, not stdin", gray=True)
    pipe(monkeypatch, (tmp_path / "two.npz").read_bytes())
    rejected(
        "-",
        "stdin: holds 2 arrays (a, b); pipe in an archive of one array, or give its file as "
        "FILE.npz:NAME",
    )
    pipe(monkeypatch, b"\xff\xfe1 2")
    refused(
        "-",
        "stdin: not a text file (not UTF-8); pipe in a text matrix, an image or a .npy/.npz array",
    )
    noise = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    photo = save_image(tmp_path / "noise.png", noise).read_bytes()
    pipe(monkeypatch, photo[: len(photo) // 2])
    refused("-", "stdin: the image data is truncated or corrupt")
    pipe(monkeypatch, b"BM not a bitmap")
    refused("-", "stdin: not an image, though it starts as one")


# Paths: missing, folder, extension, empty, unreadable


def test_missing_file(tmp_path: Path) -> None:
    rejected(tmp_path / "nope.png", f"{tmp_path / 'nope.png'}: no such file")


def test_directory(tmp_path: Path) -> None:
    rejected(tmp_path, f"{tmp_path}: is a folder; give a file inside it")


def test_unknown_extension(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("photo.heic").write_bytes(b"\x00" * 10)
    rejected(
        "photo.heic",
        "photo.heic: not an image format poolviz reads "
        "(png, jpg, bmp, gif, tiff, webp, npy, npz, txt, csv)",
    )


@pytest.mark.parametrize("name", ["a.png", "a.jpg", "a.npy", "a.npz", "a.txt"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    refused(path, f"{path}: the file is empty")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, where chmod does not stop reads; simulate the refusal instead.
    path = save_image(tmp_path / "a.png", np.zeros((2, 2), np.uint8))

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    refused(path, f"{path}: cannot read: permission denied")


# Images


def test_grey_png_keeps_its_values(tmp_path: Path) -> None:
    pixels = np.array([[0, 255], [17, 128]], np.uint8)
    loaded = load_path(save_image(tmp_path / "g.png", pixels))
    assert loaded.array.dtype == np.float64
    assert loaded.array.tolist() == [[0, 255], [17, 128]]
    assert (loaded.name, loaded.kind, loaded.dtype, loaded.source_shape) == (
        "g.png",
        "image",
        "uint8",
        (2, 2),
    )


def test_sixteen_bit_png_keeps_0_to_65535(tmp_path: Path) -> None:
    pixels = np.array([[0, 65535], [1000, 40000]], np.uint16)
    loaded = load_path(save_image(tmp_path / "g16.png", pixels))
    assert loaded.array.tolist() == [[0, 65535], [1000, 40000]]
    assert loaded.dtype == "uint16"


def test_rgb_and_rgba(tmp_path: Path) -> None:
    rgba = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert load_path(save_image(tmp_path / "a.png", rgba)).array.shape == (2, 3, 4)
    rgb = load_path(save_image(tmp_path / "b.png", rgba[..., :3].copy()))
    assert rgb.array.tolist() == rgba[..., :3].tolist()


def test_palette_becomes_rgb(tmp_path: Path) -> None:
    img = Image.new("P", (2, 1))
    img.putpalette([10, 20, 30, 200, 100, 50] + [0] * 762)
    img.putdata([0, 1])
    img.save(tmp_path / "p.png")
    loaded = load_path(tmp_path / "p.png")
    assert loaded.array.tolist() == [[[10, 20, 30], [200, 100, 50]]]
    assert loaded.notes == ("a palette image, converted to RGB",)


def test_palette_with_transparency_becomes_rgba(tmp_path: Path) -> None:
    img = Image.new("P", (2, 1))
    img.putpalette([10, 20, 30, 200, 100, 50] + [0] * 762)
    img.putdata([0, 1])
    img.save(tmp_path / "p.png", transparency=0)
    assert load_path(tmp_path / "p.png").array.tolist() == [[[10, 20, 30, 0], [200, 100, 50, 255]]]


def test_gif_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("L", (2, 2), v) for v in (40, 200)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    loaded = load_path(tmp_path / "a.gif")
    assert loaded.array.shape == (2, 2, 3)
    assert np.all(loaded.array == 40)


@pytest.mark.parametrize("suffix", [".bmp", ".tif", ".tiff", ".webp", ".jpeg"])
def test_other_formats(tmp_path: Path, suffix: str) -> None:
    pixels = np.full((4, 6, 3), 100, np.uint8)
    options = {"lossless": True} if suffix == ".webp" else {}
    Image.fromarray(pixels).save(tmp_path / f"a{suffix}", **options)
    loaded = load_path(tmp_path / f"a{suffix}")
    assert loaded.array.shape == (4, 6, 3)
    assert np.allclose(loaded.array, 100, atol=2)


def test_gray_is_pillows_luma(tmp_path: Path) -> None:
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)
    loaded = load_path(save_image(tmp_path / "c.png", rgb), gray=True)
    assert loaded.array.tolist() == [[76, 150, 29]]  # 0.299, 0.587, 0.114 of 255
    assert loaded.source_shape == (1, 3, 3)
    assert loaded.notes == ("converted to grey with ITU-R 601-2 luma (as Pillow's L)",)


def test_resize_is_height_first(tmp_path: Path) -> None:
    path = save_image(tmp_path / "c.png", np.zeros((20, 40, 3), np.uint8))
    loaded = load_path(path, resize=(5, 8))
    assert loaded.array.shape == (5, 8, 3)
    assert loaded.source_shape == (20, 40, 3)
    assert loaded.notes == ("resized from 20x40 to 5x8 with Pillow",)


def test_scale(tmp_path: Path) -> None:
    path = save_image(tmp_path / "c.png", np.zeros((20, 40), np.uint8))
    assert load_path(path, scale=0.25).array.shape == (5, 10)


def test_resize_over_the_pixel_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save_image(tmp_path / "c.png", np.zeros((4, 4), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    rejected(
        path,
        f"resizing {path} to 10x11 would make 110 pixels, over Pillow's limit of 100; "
        "use a smaller --resize or --scale",
        resize=(10, 11),
    )
    rejected(
        path,
        f"resizing {path} to 12x12 would make 144 pixels, over Pillow's limit of 100; "
        "use a smaller --resize or --scale",
        scale=3.0,
    )


def test_resize_and_scale_together() -> None:
    rejected(
        "x.png",
        "--resize and --scale both set the size; give one of them",
        resize=(2, 2),
        scale=1.0,
    )


def test_image_options_refused_for_arrays(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.zeros((2, 2)))
    rejected(
        tmp_path / "a.npy", f"--resize applies to images, not {tmp_path / 'a.npy'}", resize=(1, 1)
    )


def test_layout_refused_for_images(tmp_path: Path) -> None:
    path = save_image(tmp_path / "c.png", np.zeros((2, 2), np.uint8))
    rejected(path, f"--layout nchw applies to .npy and .npz arrays, not {path}", layout="nchw")


def test_truncated_png(tmp_path: Path) -> None:
    good = save_image(tmp_path / "good.png", np.random.randint(0, 255, (64, 64, 3), np.uint8))
    path = tmp_path / "cut.png"
    path.write_bytes(good.read_bytes()[:300])
    refused(path, f"{path}: the image data is truncated or corrupt")


def test_corrupt_png(tmp_path: Path) -> None:
    data = bytearray(
        save_image(
            tmp_path / "good.png", np.random.randint(0, 255, (32, 32), np.uint8)
        ).read_bytes()
    )
    data[60:80] = b"\xff" * 20  # inside the compressed pixel data
    path = tmp_path / "bad.png"
    path.write_bytes(bytes(data))
    refused(path, f"{path}: the image data is truncated or corrupt")


def test_truncated_jpeg(tmp_path: Path) -> None:
    good = tmp_path / "good.jpg"
    Image.fromarray(np.random.randint(0, 255, (64, 64, 3), np.uint8)).save(good)
    path = tmp_path / "cut.jpg"
    path.write_bytes(good.read_bytes()[:400])
    refused(path, f"{path}: the image data is truncated or corrupt")


def test_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "fake.png"
    path.write_text("1 2 3\n")
    refused(path, f"{path}: not an image, though its name ends in .png")


def _no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def decode(self: ImageFile.ImageFile) -> None:
        raise AssertionError("an image over the limit was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)


def test_image_over_the_pixel_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save_image(tmp_path / "big.png", np.zeros((11, 11), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    _no_decoding(monkeypatch)
    refused(
        path,
        f"{path}: 121 pixels is over Pillow's limit of 100 pixels (MAX_IMAGE_PIXELS); "
        "shrink it with another tool first",
    )


def test_image_over_twice_the_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past twice the limit Pillow itself raises DecompressionBombError while opening.
    path = save_image(tmp_path / "bomb.png", np.zeros((30, 40), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    _no_decoding(monkeypatch)
    refused(
        path,
        f"{path}: 1,200 pixels is over Pillow's limit of 100 pixels (MAX_IMAGE_PIXELS); "
        "shrink it with another tool first",
    )


def test_image_at_the_limit_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save_image(tmp_path / "ok.png", np.zeros((10, 10), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    assert load_path(path).array.shape == (10, 10)


def palette_image() -> Image.Image:
    img = Image.new("P", (5, 3))
    img.putpalette([10, 20, 30, 200, 100, 50] + [0] * 762)
    img.putdata([0, 1] * 7 + [0])
    return img


@pytest.mark.parametrize(
    ("name", "img", "options", "channels"),
    [
        ("p.png", palette_image(), {}, 3),
        ("p.png", palette_image(), {"transparency": 0}, 4),
        ("p.gif", palette_image(), {"transparency": 1}, 4),
        ("p.gif", palette_image(), {}, 3),
        ("c.jpg", Image.new("CMYK", (5, 3), (1, 2, 3, 4)), {}, 3),
        ("b.png", Image.new("1", (5, 3), 1), {}, 1),
        ("la.png", Image.new("LA", (5, 3), (9, 8)), {}, 2),
        ("g16.png", Image.fromarray(np.zeros((3, 5), np.uint16)), {}, 1),
    ],
)
def test_memory_estimate_counts_the_channels_loading_makes(
    tmp_path: Path, name: str, img: Image.Image, options: dict[str, object], channels: int
) -> None:
    # a palette is one band in the file and three or four once read as RGB(A)
    img.save(tmp_path / name, **options)
    loaded = load_path(tmp_path / name)
    assert loaded.array.shape[2:] == ((channels,) if channels > 1 else ())
    assert loaders.float64_bytes(tmp_path / name) == loaded.array.nbytes == 8 * 3 * 5 * channels


# EXIF orientation

STORED = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10
"""A 2x3 RGB image with no symmetry, so that every turn and mirror gives a different array."""

UPRIGHT = {
    1: (lambda a: a, ()),
    2: (np.fliplr, ("mirrored left to right by its EXIF orientation",)),
    3: (lambda a: np.rot90(a, 2), ("rotated 180° by its EXIF orientation",)),
    4: (np.flipud, ("mirrored top to bottom by its EXIF orientation",)),
    5: (
        lambda a: np.fliplr(np.rot90(a, -1)),
        (
            "rotated 90° clockwise and mirrored left to right by its EXIF orientation "
            "(stored as 2x3)",
        ),
    ),
    6: (
        lambda a: np.rot90(a, -1),
        ("rotated 90° clockwise by its EXIF orientation (stored as 2x3)",),
    ),
    7: (
        lambda a: np.fliplr(np.rot90(a, 1)),
        (
            "rotated 90° counter-clockwise and mirrored left to right by its EXIF "
            "orientation (stored as 2x3)",
        ),
    ),
    8: (
        lambda a: np.rot90(a, 1),
        ("rotated 90° counter-clockwise by its EXIF orientation (stored as 2x3)",),
    ),
}
"""Each EXIF orientation: what the note says was done, done with NumPy, and the note."""


def save_oriented(path: Path, array: np.ndarray, orientation: int, **options: object) -> Path:
    """Save ``array`` with the EXIF Orientation tag set to ``orientation``."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(array).save(path, exif=exif, **options)
    return path


def viewer(path: Path) -> np.ndarray:
    """The image as viewers show it: Pillow's ``ImageOps.exif_transpose``."""
    with Image.open(path) as img:
        return np.asarray(ImageOps.exif_transpose(img))


@pytest.mark.parametrize("orientation", sorted(UPRIGHT))
def test_exif_orientation_turns_the_image_upright(tmp_path: Path, orientation: int) -> None:
    path = save_oriented(tmp_path / "o.png", STORED, orientation)
    turn, notes = UPRIGHT[orientation]
    loaded = load_path(path)
    assert loaded.array.tolist() == turn(STORED).tolist()
    assert loaded.array.tolist() == viewer(path).tolist()
    assert loaded.notes == notes
    assert (loaded.dtype, loaded.source_shape) == ("uint8", turn(STORED).shape)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".tif"])
def test_exif_orientation_in_every_format_that_carries_it(tmp_path: Path, suffix: str) -> None:
    # Pillow's TIFF reader turns the image itself as it loads: turned once, and still noted
    options = {"lossless": True} if suffix == ".webp" else {}
    path = save_oriented(tmp_path / f"o{suffix}", STORED, 6, **options)
    loaded = load_path(path)
    assert loaded.array.shape == (3, 2, 3)
    if suffix == ".jpg":
        assert loaded.array.tolist() == viewer(path).tolist()
    else:  # lossless; and Pillow 10's exif_transpose turns a TIFF twice
        assert loaded.array.tolist() == np.rot90(STORED, -1).tolist()
    assert loaded.notes == ("rotated 90° clockwise by its EXIF orientation (stored as 2x3)",)


@pytest.mark.parametrize("suffix", [".webp", ".tif"])
def test_exif_orientation_of_a_multi_frame_image_turns_the_first_frame(
    tmp_path: Path, suffix: str
) -> None:
    frames = [Image.fromarray(STORED), Image.fromarray(255 - STORED)]
    options = {"lossless": True} if suffix == ".webp" else {}
    exif = Image.Exif()
    exif[0x0112] = 8
    path = tmp_path / f"o{suffix}"
    frames[0].save(path, save_all=True, append_images=frames[1:], exif=exif, **options)
    with Image.open(path) as img:
        assert img.n_frames == 2
    loaded = load_path(path)
    assert loaded.array.tolist() == np.rot90(STORED, 1).tolist()
    assert loaded.notes == (
        "rotated 90° counter-clockwise by its EXIF orientation (stored as 2x3)",
    )


@pytest.mark.parametrize("orientation", [0, 9, 65535])
def test_exif_orientation_that_is_no_orientation_is_ignored(
    tmp_path: Path, orientation: int
) -> None:
    loaded = load_path(save_oriented(tmp_path / "o.jpg", STORED, orientation))
    assert loaded.array.shape == (2, 3, 3)
    assert loaded.notes == ()


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
@pytest.mark.parametrize(
    "exif",
    [
        b"garbage!",  # not a TIFF header: Pillow's getexif raises SyntaxError
        b"II*\x00\xff\xff\xff\x7f",  # the first directory is past the end
        # one entry: Orientation as the text "6"
        b"II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x02\x00\x02\x00\x00\x006\x00\x00\x00\x00\x00\x00\x00",
    ],
)
def test_damaged_exif_block_reads_the_image_as_stored(
    tmp_path: Path, suffix: str, exif: bytes
) -> None:
    path, clean = tmp_path / f"o{suffix}", tmp_path / f"clean{suffix}"
    Image.fromarray(STORED).save(path, exif=b"Exif\x00\x00" + exif)
    Image.fromarray(STORED).save(clean)
    loaded = load_path(path)
    assert loaded.array.tolist() == load_path(clean).array.tolist()
    assert loaded.array.shape == (2, 3, 3)
    assert loaded.notes == ()


def test_exif_orientation_after_the_palette_before_gray_and_resize(tmp_path: Path) -> None:
    img = Image.new("P", (3, 1))
    img.putpalette([10, 20, 30, 200, 100, 50, 1, 2, 3] + [0] * 759)
    img.putdata([0, 1, 2])
    exif = Image.Exif()
    exif[0x0112] = 6
    img.save(tmp_path / "p.png", exif=exif)
    loaded = load_path(tmp_path / "p.png")
    assert loaded.array.tolist() == [[[10, 20, 30]], [[200, 100, 50]], [[1, 2, 3]]]
    assert loaded.notes == (
        "a palette image, converted to RGB",
        "rotated 90° clockwise by its EXIF orientation (stored as 1x3)",
    )
    resized = load_path(tmp_path / "p.png", gray=True, resize=(6, 2))
    assert resized.array.shape == (6, 2)
    assert resized.source_shape == (3, 1, 3)
    assert resized.notes == (
        "a palette image, converted to RGB",
        "rotated 90° clockwise by its EXIF orientation (stored as 1x3)",
        "converted to grey with ITU-R 601-2 luma (as Pillow's L)",
        "resized from 3x1 to 6x2 with Pillow",
    )


def test_exif_orientation_of_a_sixteen_bit_grey_png(tmp_path: Path) -> None:
    pixels = np.array([[0, 65535, 7], [1000, 40000, 258]], np.uint16)
    loaded = load_path(save_oriented(tmp_path / "g16.png", pixels, 3))
    assert loaded.array.tolist() == [[258, 40000, 1000], [7, 65535, 0]]
    assert loaded.dtype == "uint16"


@pytest.mark.parametrize(
    ("suffix", "size", "shape"),
    [
        (".jpg", {}, (6, 4, 3)),
        (".tif", {}, (6, 4, 3)),
        (".jpg", {"resize": (5, 4)}, (5, 4, 3)),
        (".tif", {"scale": 1.5}, (9, 6, 3)),
    ],
)
def test_memory_estimate_of_a_turned_image_is_what_loading_takes(
    tmp_path: Path, suffix: str, size: dict[str, object], shape: tuple[int, ...]
) -> None:
    # the header's size is the stored 4x6 (the TIFF reader's already 6x4): the same count
    path = save_oriented(tmp_path / f"o{suffix}", np.zeros((4, 6, 3), np.uint8), 6)
    loaded = load_path(path, **size)  # type: ignore[arg-type]
    assert loaded.array.shape == shape
    estimate = loaders.float64_bytes(path, loaders.ReadOptions(**size))  # type: ignore[arg-type]
    assert estimate == loaded.array.nbytes == 8 * shape[0] * shape[1] * shape[2]


def test_turned_image_over_the_pixel_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save_oriented(tmp_path / "big.png", np.zeros((11, 11), np.uint8), 6)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    _no_decoding(monkeypatch)
    refused(
        path,
        f"{path}: 121 pixels is over Pillow's limit of 100 pixels (MAX_IMAGE_PIXELS); "
        "shrink it with another tool first",
    )


# 16-bit colour PNGs (Pillow reads them at 8 bits; poolviz decodes them itself)

ADAM7 = (
    (0, 0, 8, 8),
    (0, 4, 8, 8),
    (4, 0, 8, 4),
    (0, 2, 4, 4),
    (2, 0, 4, 2),
    (0, 1, 2, 2),
    (1, 0, 2, 1),
)
"""Interlaced passes: first row, first column, row step, column step (PNG spec 8.2)."""


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def filtered(samples: np.ndarray, filters: tuple[int, ...]) -> bytes:
    """Scanlines of (H, W, C) 16-bit samples, row y with filter ``filters[y % len]``: each
    byte minus its prediction from the bytes left, above and above-left (PNG spec 9.2-9.4),
    computed on whole arrays, row by row, unlike the loader's diagonal sweep."""
    h, w, c = samples.shape
    data = samples.astype(">u2").view(np.uint8).reshape(h, w * 2 * c).astype(np.int64)
    bpp = 2 * c
    up = np.vstack([np.zeros((1, data.shape[1]), np.int64), data[:-1]])
    left = np.hstack([np.zeros((h, bpp), np.int64), data[:, :-bpp]])
    upleft = np.hstack([np.zeros((h, bpp), np.int64), up[:, :-bpp]])
    p = left + up - upleft
    pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
    paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, upleft))
    predictions = (np.zeros_like(data), left, up, (left + up) // 2, paeth)
    lines = []
    for y in range(h):
        kind = filters[y % len(filters)]
        lines.append(bytes([kind]) + bytes(((data[y] - predictions[kind][y]) % 256).tolist()))
    return b"".join(lines)


def save_png16(
    path: Path,
    samples: np.ndarray,
    filters: tuple[int, ...] = (0,),
    interlaced: bool = False,
    orientation: int | None = None,
    split: int | None = None,
) -> Path:
    """Write (H, W, C) uint16 ``samples`` as a 16-bit PNG (C = 1, 2, 3, 4: grey, grey+alpha,
    RGB, RGBA), with an eXIf chunk after the image data when ``orientation`` is given, the
    compressed data in IDAT chunks of ``split`` bytes (one chunk when None) after a tEXt."""
    h, w, c = samples.shape
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    passes = ADAM7 if interlaced else ((0, 0, 1, 1),)
    raw = b"".join(
        filtered(samples[y0::dy, x0::dx], filters)
        for y0, x0, dy, dx in passes
        if samples[y0::dy, x0::dx].size
    )
    header = struct.pack(">IIBBBBB", w, h, 16, colour, 0, 0, int(interlaced))
    exif = b""
    if orientation is not None:
        tags = Image.Exif()
        tags[0x0112] = orientation
        exif = png_chunk(b"eXIf", tags.tobytes().removeprefix(b"Exif\x00\x00"))
    compressed = zlib.compress(raw)
    step = split or len(compressed)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"tEXt", b"Comment\x00IDAT inside a text chunk")
        + b"".join(
            png_chunk(b"IDAT", compressed[i : i + step]) for i in range(0, len(compressed), step)
        )
        + exif
        + png_chunk(b"IEND", b"")
    )
    return path


def pillow_reads(path: Path) -> np.ndarray:
    """What Pillow itself gives for the file: for 16-bit colour, each sample's high byte."""
    with Image.open(path) as img:
        return np.asarray(img)


EDGES = np.array(
    [[[0, 65535, 258, 1], [256, 255, 40000, 65534]], [[1000, 7, 65280, 32768], [9, 8, 7, 6]]],
    np.uint16,
)
"""2x2 RGBA samples that an 8-bit reading gets wrong: low byte only, high byte only, both."""


@pytest.mark.parametrize("channels", [3, 4, 2])
def test_sixteen_bit_colour_png_keeps_0_to_65535(tmp_path: Path, channels: int) -> None:
    samples = EDGES[..., :channels]
    path = save_png16(tmp_path / "c16.png", samples)
    assert pillow_reads(path).dtype == np.uint8  # what poolviz no longer does
    loaded = load_path(path)
    assert loaded.array.tolist() == samples.tolist()
    assert (loaded.dtype, loaded.source_shape, loaded.notes) == ("uint16", (2, 2, channels), ())


@pytest.mark.parametrize(
    "filters", [(0,), (1,), (2,), (3,), (4,), (4, 3, 2, 1, 0), (3, 4, 0, 2, 1, 4, 4)]
)
@pytest.mark.parametrize("interlaced", [False, True])
def test_sixteen_bit_png_every_filter_and_interlacing(
    tmp_path: Path, filters: tuple[int, ...], interlaced: bool
) -> None:
    rng = np.random.default_rng(len(filters))
    for h, w, c in ((9, 13, 3), (13, 9, 4), (1, 1, 3), (2, 3, 4), (5, 1, 2), (1, 6, 3)):
        samples = rng.integers(0, 65536, (h, w, c), dtype=np.uint16)
        samples[0, 0] = 65535
        path = save_png16(tmp_path / f"{h}x{w}.png", samples, filters, interlaced)
        # the file is sound: Pillow's own reading is its high bytes (grey+alpha as RGBA)
        high = pillow_reads(path)[..., [0, 3] if c == 2 else slice(None)]
        assert high.tolist() == (samples >> 8).tolist()
        assert load_path(path).array.tolist() == samples.tolist()


@pytest.mark.parametrize("split", [1, 7, 100])
def test_sixteen_bit_png_data_in_several_chunks(tmp_path: Path, split: int) -> None:
    samples = np.random.default_rng(split).integers(0, 65536, (6, 7, 3), dtype=np.uint16)
    path = save_png16(tmp_path / "c16.png", samples, (4, 1), split=split)
    with path.open("ab") as file:  # after IEND nothing counts
        file.write(png_chunk(b"IDAT", zlib.compress(b"\x00" * 100)))
    assert pillow_reads(path).tolist() == (samples >> 8).tolist()
    assert load_path(path).array.tolist() == samples.tolist()


def test_sixteen_bit_grey_alpha_png_high_bytes_as_pillow_reads_them(tmp_path: Path) -> None:
    # Pillow reads 16-bit grey+alpha as 8-bit RGBA: grey, grey, grey, alpha
    samples = np.random.default_rng(3).integers(0, 65536, (4, 5, 2), dtype=np.uint16)
    path = save_png16(tmp_path / "la16.png", samples, (4, 1))
    assert pillow_reads(path)[..., [0, 3]].tolist() == (samples >> 8).tolist()
    assert load_path(path).array.tolist() == samples.tolist()


def test_sixteen_bit_png_gray_is_pillows_luma_formula(tmp_path: Path) -> None:
    rgb = np.array([[[65535, 0, 0], [0, 65535, 0], [0, 0, 65535], [65535, 65535, 65535]]])
    path = save_png16(tmp_path / "c16.png", rgb.astype(np.uint16))
    loaded = load_path(path, gray=True)
    assert loaded.array.tolist() == [[19595, 38469, 7471, 65535]]
    assert loaded.source_shape == (1, 4, 3)
    assert loaded.notes == ("converted to grey with ITU-R 601-2 luma (as Pillow's L)",)
    # on values below 256 the same sums give what Pillow's L gives for 8-bit samples
    small = np.random.default_rng(4).integers(0, 256, (6, 7, 4), dtype=np.uint16)
    grey = load_path(save_png16(tmp_path / "s16.png", small), gray=True).array
    eight = load_path(save_image(tmp_path / "s8.png", small.astype(np.uint8)), gray=True).array
    assert grey.tolist() == eight.tolist()
    # grey+alpha keeps the grey
    la = load_path(save_png16(tmp_path / "la16.png", EDGES[..., :2]), gray=True).array
    assert la.tolist() == EDGES[..., 0].tolist()


def test_sixteen_bit_png_resizes_each_channel_as_sixteen_bit_grey(tmp_path: Path) -> None:
    samples = np.random.default_rng(5).integers(0, 65536, (6, 8, 3), dtype=np.uint16)
    loaded = load_path(save_png16(tmp_path / "c16.png", samples), resize=(3, 5))
    assert loaded.array.shape == (3, 5, 3)
    assert loaded.notes == ("resized from 6x8 to 3x5 with Pillow",)
    for c in range(3):
        grey = save_image(tmp_path / f"g{c}.png", samples[..., c].copy())
        assert loaded.array[..., c].tolist() == load_path(grey, resize=(3, 5)).array.tolist()
    assert loaded.array.max() > 255


def test_sixteen_bit_png_exif_orientation_after_the_image_data(tmp_path: Path) -> None:
    samples = EDGES[:, :, :3].repeat(2, axis=1)  # 2x4
    path = save_png16(tmp_path / "c16.png", samples, (4,), orientation=8)
    loaded = load_path(path)
    assert loaded.array.tolist() == np.rot90(samples, 1).tolist()
    assert loaded.notes == (
        "rotated 90° counter-clockwise by its EXIF orientation (stored as 2x4)",
    )
    assert loaded.source_shape == (4, 2, 3)


@pytest.mark.parametrize(("channels", "interlaced"), [(2, False), (3, True), (4, False)])
def test_sixteen_bit_png_memory_estimate_is_what_loading_takes(
    tmp_path: Path, channels: int, interlaced: bool
) -> None:
    path = save_png16(tmp_path / "c16.png", np.zeros((3, 5, channels), np.uint16), (0,), interlaced)
    loaded = load_path(path)
    assert loaders.float64_bytes(path) == loaded.array.nbytes == 8 * 3 * 5 * channels


def test_sixteen_bit_png_over_the_pixel_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save_png16(tmp_path / "big.png", np.zeros((11, 11, 3), np.uint16))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    _no_decoding(monkeypatch)

    def decode(data: bytes, header: object) -> np.ndarray:
        raise AssertionError("a 16-bit PNG over the limit was decoded")

    monkeypatch.setattr(png16, "pixels", decode)
    refused(
        path,
        f"{path}: 121 pixels is over Pillow's limit of 100 pixels (MAX_IMAGE_PIXELS); "
        "shrink it with another tool first",
    )


@pytest.mark.parametrize("damage", ["cut", "filter", "inflate"])
def test_damaged_sixteen_bit_png(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    raw = filtered(np.arange(4 * 5 * 3, dtype=np.uint16).reshape(4, 5, 3) * 1000, (1, 2))
    body = {
        "cut": zlib.compress(raw[:-7]),
        "filter": zlib.compress(b"\x05" + raw[1:]),
        "inflate": zlib.compress(raw)[:2] + b"\xff" * 50,  # a deflate block of no known type
    }[damage]
    path = tmp_path / "bad.png"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 5, 4, 16, 2, 0, 0, 0))
        + png_chunk(b"IDAT", body)
        + png_chunk(b"IEND", b"")
    )
    refused(path, f"{path}: the image data is truncated or corrupt")
    # the same when Pillow's reading lets it through (so the loader's own decoding notices)
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: None)
    refused(path, f"{path}: the image data is truncated or corrupt")


def _png16_file(path: Path, *chunks: bytes, interlaced: bool = False) -> Path:
    """A 4x5 16-bit RGB PNG made of ``chunks`` after its header (IEND not added)."""
    header = struct.pack(">IIBBBBB", 5, 4, 16, 2, 0, 0, int(interlaced))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + b"".join(chunks))
    return path


RAW16 = filtered(np.arange(4 * 5 * 3, dtype=np.uint16).reshape(4, 5, 3) * 1000, (4,))


@pytest.mark.parametrize("pillow", ["reads", "skipped"])
def test_sixteen_bit_png_with_a_bad_crc_or_a_cut_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pillow: str
) -> None:
    """Pillow leaves the image data's CRC unchecked; the 16-bit decoder checks it, so a
    flipped bit never gives silently wrong samples."""
    if pillow == "skipped":
        monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: None)
    idat = png_chunk(b"IDAT", zlib.compress(RAW16))
    end = png_chunk(b"IEND", b"")
    bad_crc = _png16_file(tmp_path / "crc.png", idat[:-4] + bytes(4), end)
    refused(bad_crc, f"{bad_crc}: the image data is truncated or corrupt")
    flipped = idat[:20] + bytes([idat[20] ^ 1]) + idat[21:]
    bit = _png16_file(tmp_path / "bit.png", flipped, end)
    refused(bit, f"{bit}: the image data is truncated or corrupt")
    cut = _png16_file(tmp_path / "cut.png", idat[: len(idat) // 2])
    refused(cut, f"{cut}: the image data is truncated or corrupt")
    good = load_path(_png16_file(tmp_path / "good.png", idat, end)).array
    assert good[3, 4].tolist() == [57000, 58000, 59000]


def test_sixteen_bit_png_decompression_bomb_is_not_inflated(tmp_path: Path) -> None:
    """An IDAT stream that inflates to 64 MB behind a 4x5 header: the decoder inflates no
    more than the header's 4 x (1 + 5 x 6) bytes, and the image loads as the header says."""
    import tracemalloc

    bomb = zlib.compress(RAW16 + bytes(64 << 20), 9)
    path = _png16_file(tmp_path / "bomb.png", png_chunk(b"IDAT", bomb), png_chunk(b"IEND", b""))
    tracemalloc.start()
    try:
        loaded = load_path(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert loaded.array.shape == (4, 5, 3)
    assert loaded.array[3, 4].tolist() == [57000, 58000, 59000]
    assert peak < 8 << 20


def test_damaged_interlaced_sixteen_bit_png(tmp_path: Path) -> None:
    """Adam7: a stream that ends in the last pass, and one with a bad filter type there."""
    samples = np.arange(4 * 5 * 3, dtype=np.uint16).reshape(4, 5, 3) * 1000
    raw = b"".join(
        filtered(samples[y0::dy, x0::dx], (4,))
        for y0, x0, dy, dx in ADAM7
        if samples[y0::dy, x0::dx].size
    )
    last_row = len(filtered(samples[1::2, 0:], (4,))) // 2  # one row of the seventh pass
    end = png_chunk(b"IEND", b"")
    cases = {
        "cut.png": raw[:-3],
        "filter.png": raw[: len(raw) - last_row] + b"\x07" + raw[len(raw) - last_row + 1 :],
    }
    for name, body in cases.items():
        path = _png16_file(
            tmp_path / name, png_chunk(b"IDAT", zlib.compress(body)), end, interlaced=True
        )
        refused(path, f"{path}: the image data is truncated or corrupt")
    whole = _png16_file(
        tmp_path / "whole.png", png_chunk(b"IDAT", zlib.compress(raw)), end, interlaced=True
    )
    assert np.array_equal(load_path(whole).array, samples)


# .npy and .npz


@pytest.mark.parametrize(
    ("array", "dtype"),
    [
        (np.arange(6, dtype=np.float32).reshape(2, 3), "float32"),
        (np.arange(6, dtype=np.int64).reshape(2, 3), "int64"),
        (np.arange(6, dtype=np.uint8).reshape(2, 3), "uint8"),
        (np.array([[True, False, True], [False, False, True]]), "bool"),
    ],
)
def test_npy_numbers(tmp_path: Path, array: np.ndarray, dtype: str) -> None:
    np.save(tmp_path / "a.npy", array)
    loaded = load_path(tmp_path / "a.npy")
    assert loaded.array.dtype == np.float64
    assert loaded.array.tolist() == array.astype(float).tolist()
    assert (loaded.name, loaded.kind, loaded.dtype, loaded.source_shape) == (
        "a.npy",
        "npy",
        dtype,
        (2, 3),
    )
    assert loaded.notes == ()


@pytest.mark.parametrize("shape", [(3, 4), (3, 4, 2), (2, 3, 4, 5)])
def test_npy_ranks_two_to_four(tmp_path: Path, shape: tuple[int, ...]) -> None:
    np.save(tmp_path / "a.npy", np.zeros(shape))
    assert load_path(tmp_path / "a.npy").array.shape == shape


def test_npy_nan_and_inf_are_values(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.array([[np.nan, np.inf], [-np.inf, 1.0]]))
    array = load_path(tmp_path / "a.npy").array
    assert np.isnan(array[0, 0]) and array[0, 1] == np.inf and array[1, 0] == -np.inf


def test_npy_pickled_object_array_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "obj.npy"
    np.save(path, np.array([[{"a": 1}, None]], dtype=object), allow_pickle=True)
    refused(
        path,
        f"{path}: holds pickled Python objects, which poolviz never loads; "
        "save a numeric array with numpy.save",
    )


def test_plain_pickle_named_npy_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.npy"
    path.write_bytes(pickle.dumps([[1, 2], [3, 4]]))
    refused(
        path,
        f"{path}: holds pickled Python objects, which poolviz never loads; "
        "save a numeric array with numpy.save",
    )


def test_npy_without_header(tmp_path: Path) -> None:
    path = tmp_path / "t.npy"
    path.write_text("1 2\n")
    refused(path, f"{path}: not a .npy file (no NumPy header)")


def test_npy_truncated(tmp_path: Path) -> None:
    np.save(tmp_path / "good.npy", np.zeros((10, 10)))
    path = tmp_path / "cut.npy"
    path.write_bytes((tmp_path / "good.npy").read_bytes()[:200])
    refused(path, f"{path}: the .npy file is truncated or corrupt")


@pytest.mark.parametrize(
    ("array", "what"),
    [
        (np.zeros((2, 2), np.complex128), "complex values (complex128)"),
        (np.array([["a", "b"]]), "string values (<U1)"),
        (np.zeros((2, 2), "datetime64[s]"), "datetime values (datetime64[s])"),
    ],
)
def test_npy_non_numeric_types_are_refused(tmp_path: Path, array: np.ndarray, what: str) -> None:
    np.save(tmp_path / "a.npy", array)
    refused(
        tmp_path / "a.npy",
        f"{tmp_path / 'a.npy'}: holds {what}; poolviz reads float, int or bool arrays",
    )


@pytest.mark.parametrize(
    ("shape", "described"),
    [
        ((1, 2, 3, 4, 5), "5-D array (1x2x3x4x5)"),
        ((5,), "1-D array (5)"),
        ((), "0-D array (a single number)"),
    ],
)
def test_npy_rank_outside_two_to_four(
    tmp_path: Path, shape: tuple[int, ...], described: str
) -> None:
    np.save(tmp_path / "a.npy", np.zeros(shape))
    refused(
        tmp_path / "a.npy",
        f"{tmp_path / 'a.npy'}: a {described}; poolviz reads (H, W), (H, W, C) or (N, H, W, C)",
    )


def test_npy_zero_sized_axis(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.zeros((0, 4)))
    refused(
        tmp_path / "a.npy",
        f"{tmp_path / 'a.npy'}: shape 0x4 has an axis of length 0; every axis needs at least 1 "
        "value",
    )


def test_channels_first_array_gets_a_note(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.zeros((3, 32, 32)))
    loaded = load_path(tmp_path / "a.npy")
    assert loaded.array.shape == (3, 32, 32)
    assert loaded.notes == (
        "shape 3x32x32 looks channels-first; if it is (C, H, W), add --layout nchw",
    )


def test_layout_nchw_moves_channels_last(tmp_path: Path) -> None:
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    np.save(tmp_path / "t.npy", x)
    loaded = load_path(tmp_path / "t.npy", layout="nchw")
    assert loaded.array.shape == (2, 4, 5, 3)
    assert np.array_equal(loaded.array[1, 2, 3, :], x[1, :, 2, 3])
    assert loaded.source_shape == (2, 3, 4, 5)
    assert loaded.notes == ("read as channels-first (2x3x4x5), channels moved last",)


def test_layout_nchw_three_dimensional(tmp_path: Path) -> None:
    x = np.arange(3 * 4 * 5).reshape(3, 4, 5)
    np.save(tmp_path / "t.npy", x)
    assert np.array_equal(load_path(tmp_path / "t.npy", layout="nchw").array, x.transpose(1, 2, 0))


def test_unknown_layout(tmp_path: Path) -> None:
    rejected(
        tmp_path / "t.npy", "layout 'hwc' is not one poolviz reads; use nhwc or nchw", layout="hwc"
    )


def test_npz_single_array(tmp_path: Path) -> None:
    np.savez(tmp_path / "a.npz", x=np.ones((2, 3)))
    loaded = load_path(tmp_path / "a.npz")
    assert (loaded.name, loaded.kind, loaded.array.shape) == ("a.npz", "npz", (2, 3))


def test_npz_named_array(tmp_path: Path) -> None:
    np.savez_compressed(tmp_path / "a.npz", x=np.ones((2, 3)), y=np.zeros((4, 4)))
    loaded = load_path(f"{tmp_path / 'a.npz'}:y")
    assert (loaded.name, loaded.array.shape) == ("a.npz:y", (4, 4))


def test_npz_several_arrays_need_a_name(tmp_path: Path) -> None:
    np.savez(tmp_path / "a.npz", x=np.ones((2, 3)), y=np.zeros((4, 4)))
    rejected(
        tmp_path / "a.npz", f"{tmp_path / 'a.npz'}: holds 2 arrays (x, y); pick one as a.npz:NAME"
    )


def test_npz_missing_name(tmp_path: Path) -> None:
    np.savez(tmp_path / "a.npz", x=np.ones((2, 3)))
    rejected(f"{tmp_path / 'a.npz'}:z", f"{tmp_path / 'a.npz'}:z: no array named 'z'; it holds x")


def test_npz_pickled_member(tmp_path: Path) -> None:
    np.savez(tmp_path / "a.npz", x=np.array([None, 1], dtype=object))
    refused(
        tmp_path / "a.npz",
        f"{tmp_path / 'a.npz'}: holds pickled Python objects, which poolviz never loads; "
        "save a numeric array with numpy.save",
    )


def test_npz_corrupt(tmp_path: Path) -> None:
    np.savez(tmp_path / "good.npz", x=np.ones((20, 20)))
    path = tmp_path / "cut.npz"
    path.write_bytes((tmp_path / "good.npz").read_bytes()[:300])
    refused(path, f"{path}: the .npz file is truncated or corrupt")


def test_npz_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "a.npz"
    np.save(tmp_path / "x.npy", np.ones(3))
    path.write_bytes((tmp_path / "x.npy").read_bytes())
    refused(path, f"{path}: not a .npz file (not a zip archive)")


# Samples


def test_sample_names() -> None:
    assert loaders.sample_names() == ("digit", "edge", "photo", "rgb8x8", "seed4x4", "seed5x5")


def test_seed_samples_match_the_text() -> None:
    assert load_sample("seed4x4").array.tolist() == SEED_4X4
    assert load_sample("seed5x5").array[4].tolist() == [3, 2, 1, 4, 0]
    assert load_sample("edge").array[:, 2].tolist() == [8, 7, 9, 6]


def test_image_samples() -> None:
    digit = load_sample("digit")
    assert (digit.name, digit.kind, digit.dtype, digit.array.shape) == (
        "digit.png",
        "sample",
        "uint8",
        (28, 28),
    )
    assert digit.array.max() == 255 and digit.array[0, 0] == 0
    assert load_sample("photo").array.shape == (240, 320, 3)
    assert (Path(poolviz.__file__).parent / "samples" / "photo.jpg").stat().st_size < 200_000


def test_rgb8x8_has_exact_values() -> None:
    array = load_sample("rgb8x8").array
    row, col = np.mgrid[0:8, 0:8]
    assert np.array_equal(array, np.stack([32 * row, 32 * col, 4 * (8 * row + col)], axis=-1))


def test_text_samples_start_with_a_comment() -> None:
    folder = Path(poolviz.__file__).parent / "samples"
    for text in folder.glob("*.txt"):
        assert text.read_text().startswith("# ")


def test_sample_with_image_options() -> None:
    loaded = load_sample("photo", gray=True, resize=(24, 32))
    assert (loaded.kind, loaded.array.shape) == ("sample", (24, 32))


def test_unknown_sample() -> None:
    with pytest.raises(PoolvizError) as err:
        load_sample("cat")
    check_usage(err)
    assert err.value.message == (
        "there is no sample 'cat'; use one of digit, edge, photo, rgb8x8, seed4x4, seed5x5 "
        "(--sample list describes them)"
    )


def test_repo_root_samples_link() -> None:
    link = Path(__file__).parent.parent / "samples"
    assert (link / "digit.png").is_file()
