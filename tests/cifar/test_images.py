"""The image reader: every Pillow mode to RGB with its range kept, and only project errors.

Property tests (hypothesis) feed random modes, sizes, pixel bytes and corrupted files; the
reader must return a valid (3, S, S) uint8 tensor or raise a `UserError`.
"""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from apps.cifar import images
from apps.cifar.data import display_names
from apps.cifar.images import decode_image
from common.errors import UserError

# the formats that can hold each mode (Pillow writes these; TIFF holds almost all of them)
FORMATS = {
    "1": ("PNG", "TIFF", "BMP"),
    "L": ("PNG", "JPEG", "TIFF", "WEBP", "GIF", "BMP"),
    "P": ("PNG", "GIF", "TIFF"),
    "RGB": ("PNG", "JPEG", "TIFF", "WEBP", "BMP"),
    "RGBA": ("PNG", "TIFF", "WEBP"),
    "LA": ("PNG", "TIFF"),
    "PA": ("TIFF",),
    "CMYK": ("JPEG", "TIFF"),
    "YCbCr": ("TIFF",),
    "LAB": ("TIFF",),
    "I": ("TIFF",),
    "I;16": ("PNG", "TIFF"),
    "I;16B": ("TIFF",),
    "F": ("TIFF",),
}
BYTES_PER_PIXEL = {"1": 1, "I": 4, "F": 4, "I;16": 2, "I;16B": 2}
SIZE = 32
FAST = settings(
    max_examples=int(os.environ.get("CIFAR_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def assert_valid(x: torch.Tensor, size: int = SIZE) -> None:
    assert x.shape == (3, size, size)
    assert x.dtype == torch.uint8


def assert_tensor_or_named_error(data: bytes, name: str) -> None:
    """The reader's promise: a valid tensor, or a project error that names the file."""
    try:
        result: torch.Tensor | UserError = decode_image(data, SIZE, name)
    except UserError as err:
        result = err
    if isinstance(result, UserError):
        assert name in str(result)
    else:
        assert_valid(result)


def pixel(data: bytes, size: int = SIZE) -> list[int]:
    return decode_image(data, size)[:, 0, 0].tolist()


@pytest.mark.parametrize(("mode", "fmt"), [(m, f) for m, fs in FORMATS.items() for f in fs])
def test_decode_image_reads_every_mode_in_every_format_that_holds_it(mode: str, fmt: str) -> None:
    x = decode_image(encode(Image.new(mode, (45, 30)), fmt), SIZE, f"a.{fmt.lower()}")
    assert_valid(x)


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_16_bit_grey_is_scaled_not_clipped(fmt: str) -> None:
    image = Image.fromarray(np.full((40, 40), 30000, dtype=np.uint16))  # 46 % of 65535
    assert pixel(encode(image, fmt)) == [117, 117, 117]  # clipping gave 255 (white)


def test_16_bit_big_endian_and_32_bit_int_are_scaled_from_16_bits() -> None:
    raw = np.full((8, 8), 65535, dtype=">u2").tobytes()
    big_endian = Image.frombytes("I;16B", (8, 8), raw)  # (Pillow's convert() would clip it)
    assert pixel(encode(big_endian, "TIFF")) == [255, 255, 255]
    int32 = Image.fromarray(np.full((8, 8), 30000, dtype=np.int32), "I")
    assert pixel(encode(int32, "TIFF")) == [117, 117, 117]


def test_values_beyond_16_bits_are_stretched_from_min_to_max() -> None:
    values = np.zeros((8, 8), dtype=np.int32)
    values[0, 0], values[0, 1], values[0, 2] = 1_000_000, -1_000_000, 500_000
    x = decode_image(encode(Image.fromarray(values, "I"), "TIFF"), 8)
    assert x[0, 0, :3].tolist() == [255, 0, 191]


def test_float_images_map_0_1_to_0_255_and_ignore_non_finite_values() -> None:
    values = np.full((8, 8), 0.5, dtype=np.float32)
    assert pixel(encode(Image.fromarray(values), "TIFF"), 8) == [128, 128, 128]
    values[0, 1], values[0, 2] = np.nan, np.inf
    x = decode_image(encode(Image.fromarray(values), "TIFF"), 8)
    assert x[0, 0, :3].tolist() == [128, 0, 0]


@pytest.mark.parametrize(
    ("image", "fmt", "options"),
    [
        (Image.new("RGBA", (8, 8), (255, 0, 0, 0)), "PNG", {}),
        (Image.new("LA", (8, 8), (0, 0)), "PNG", {}),
        (Image.new("PA", (8, 8), (3, 0)), "TIFF", {}),
        (Image.new("P", (8, 8), 0), "PNG", {"transparency": 0}),
        (Image.new("P", (8, 8), 0), "GIF", {"transparency": 0}),
        (Image.new("RGB", (8, 8), (1, 2, 3)), "PNG", {"transparency": (1, 2, 3)}),
        (Image.new("L", (8, 8), 7), "PNG", {"transparency": 7}),
        (Image.new("I;16", (8, 8), 500), "PNG", {"transparency": 500}),
    ],
    ids=["RGBA", "LA", "PA", "P-png", "P-gif", "RGB-trns", "L-trns", "I16-trns"],
)
def test_transparent_pixels_become_white(image: Image.Image, fmt: str, options: dict) -> None:
    assert pixel(encode(image, fmt, **options), 8) == [255, 255, 255]


def test_cmyk_becomes_the_same_rgb_from_jpeg_and_tiff() -> None:
    red = Image.new("CMYK", (16, 16), (0, 255, 255, 0))
    assert pixel(encode(red, "TIFF"), 16) == [255, 0, 0]
    r, g, b = pixel(encode(red, "JPEG", quality=100), 16)
    assert r > 240
    assert max(g, b) < 15


def test_a_pil_image_given_directly_is_converted_and_left_open() -> None:
    image = Image.new("LA", (10, 10), (0, 0))
    assert decode_image(image, 4)[:, 0, 0].tolist() == [255, 255, 255]
    assert image.getpixel((0, 0)) == (0, 0)  # still usable by the caller


def test_too_many_pixels_say_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(UserError, match=r"big\.png: the image is too large \(20x20"):
        decode_image(encode(Image.new("RGB", (20, 20))), SIZE, "big.png")


def test_a_decompression_bomb_says_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 50)  # Pillow refuses twice this at open
    with pytest.raises(UserError, match=r"bomb\.png: the image is too large") as err:
        decode_image(encode(Image.new("RGB", (20, 20))), SIZE, "bomb.png")
    assert "DecompressionBomb" not in str(err.value)


def test_a_png_text_chunk_bomb_says_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "x" * 100_000, zip=True)  # compresses to a few hundred bytes
    data = encode(Image.new("RGB", (8, 8)), "PNG", pnginfo=info)
    monkeypatch.setattr(PngImagePlugin, "MAX_TEXT_CHUNK", 1000)
    with pytest.raises(UserError, match="too large"):
        decode_image(data, SIZE, "text.png")


def test_a_non_image_names_the_file_and_the_expected_types() -> None:
    with pytest.raises(UserError, match=r"notes\.jpg: not a readable image.*PNG, JP"):
        decode_image(b"hello, not an image", SIZE, "notes.jpg")


def test_a_truncated_file_is_unreadable_not_a_crash() -> None:
    data = encode(Image.new("RGB", (64, 64), (9, 9, 9)), "PNG")
    with pytest.raises(UserError, match=r"cut\.png: not a readable image \(damaged"):
        decode_image(data[: len(data) // 2], SIZE, "cut.png")


def test_display_names_drop_the_sort_prefix_only_when_names_stay_distinct() -> None:
    assert display_names(["0_airplane", "1_automobile"]) == ["airplane", "automobile"]
    assert display_names(["cat", "dog"]) == ["cat", "dog"]
    assert display_names(["1_cat", "2_cat"]) == ["1_cat", "2_cat"]
    assert display_names(["1_", "2_dog"]) == ["1_", "2_dog"]


@st.composite
def random_images(draw: st.DrawFn) -> tuple[bytes, str]:
    """A random mode and size filled with random bytes, saved in a format that holds it."""
    mode = draw(st.sampled_from(sorted(FORMATS)))
    fmt = draw(st.sampled_from(FORMATS[mode]))
    width, height = draw(st.integers(1, 70)), draw(st.integers(1, 70))
    per_pixel = BYTES_PER_PIXEL.get(mode, len(Image.new(mode, (1, 1)).getbands()))
    num_bytes = (width + 7) // 8 * height if mode == "1" else width * height * per_pixel
    seed = draw(st.integers(0, 2**32 - 1))
    raw = np.random.default_rng(seed).integers(0, 256, num_bytes, dtype=np.uint8).tobytes()
    return encode(Image.frombytes(mode, (width, height), raw), fmt), f"{mode}.{fmt.lower()}"


@FAST
@given(random_images(), st.integers(8, 40))
def test_any_mode_size_and_pixels_give_a_valid_tensor(case: tuple[bytes, str], size: int) -> None:
    data, name = case
    assert_valid(decode_image(data, size, name), size)


@FAST
@given(random_images(), st.data())
def test_corrupted_files_give_a_tensor_or_a_user_error(
    case: tuple[bytes, str], choice: st.DataObject
) -> None:
    data = bytearray(case[0])
    for _ in range(choice.draw(st.integers(1, 8))):
        data[choice.draw(st.integers(0, len(data) - 1))] = choice.draw(st.integers(0, 255))
    cut = choice.draw(st.integers(1, len(data)))
    assert_tensor_or_named_error(bytes(data[:cut]), case[1])


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes_give_a_tensor_or_a_user_error(data: bytes) -> None:
    assert_tensor_or_named_error(data, "random.bin")
