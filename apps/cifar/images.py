"""Read one image, for data.py and predict.py: any file Pillow opens -> (3, S, S) uint8 RGB.

Every mode becomes RGB the same way for training, `predict` and the page: 16- and 32-bit
integers scaled from 0-65535 and floats from 0-1 (wider ranges stretched from min to max),
other modes converted, transparent parts put on white. Too large or not an image: a
`UserError` that names the file, nothing else.
"""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from common.errors import UserError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")
IMAGE_TYPES = "PNG, JPEG, WebP, BMP, GIF or TIFF"  # what a person is told to give
MAX_IMAGE_PIXELS = 40_000_000  # refuse larger images before decoding them (decompression bombs)
BACKGROUND = (255, 255, 255)  # transparent parts are shown on white
HIGH_DEPTH_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N", "F")
MAX_16_BIT = 65535
# what Pillow raises on broken files (the list its own fuzz tests accept, plus struct and EOF)
PILLOW_ERRORS: tuple[type[Exception], ...] = (OSError, SyntaxError, ValueError, TypeError)
PILLOW_ERRORS += (IndexError, KeyError, EOFError, struct.error, NotImplementedError)
PILLOW_ERRORS += (OverflowError, MemoryError, ZeroDivisionError, Image.DecompressionBombError)


def too_large(name: str, detail: str = "") -> UserError:
    return UserError(
        f"{name}: the image is too large ({detail}at most {MAX_IMAGE_PIXELS:,} pixels); "
        "resize it first."
    )


def scale_to_8bit(img: Image.Image) -> Image.Image:
    """I;16*, I or F -> L: a fixed range (16 bits, or 0-1 for floats) when the values fit it."""
    values = np.nan_to_num(np.array(img, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    usual = 1.0 if img.mode == "F" else float(MAX_16_BIT)  # floats: 0-1; integers: 16 bits
    if low >= 0.0 and high <= usual:
        low, high = 0.0, usual
    scale = 255.0 / (high - low) if high > low else 0.0
    gray = Image.fromarray((np.clip((values - low) * scale, 0, 255) + 0.5).astype(np.uint8), "L")
    transparent = img.info.get("transparency")  # a 16-bit PNG's transparent grey level
    if isinstance(transparent, int):
        alpha = np.where(np.asarray(img) == transparent, 0, 255).astype(np.uint8)
        gray.putalpha(Image.fromarray(alpha, "L"))
    return gray


def to_rgb(img: Image.Image, background: tuple[int, int, int] = BACKGROUND) -> Image.Image:
    """Any Pillow mode -> RGB, with the value ranges and transparency handled (see above)."""
    if img.mode in HIGH_DEPTH_MODES:
        img = scale_to_8bit(img)
    if img.mode in ("RGBa", "La"):  # premultiplied alpha: Pillow converts these via RGBA only
        img = img.convert("RGBA")
    if img.has_transparency_data:
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, (*background, 255)), rgba)
    return img if img.mode == "RGB" else img.convert("RGB")


def source_name(source: Any, name: str | None) -> str:
    default = source if isinstance(source, str | Path) else getattr(source, "name", "image")
    return name or str(default)


def open_rgb(source: Any, name: str | None = None, draft_size: int | None = None) -> Image.Image:
    """A path, bytes, file object or PIL image -> a loaded RGB image, or a `UserError`.

    Args:
        draft_size: lets JPEGs decode at a reduced scale that is still at least this size.
    """
    name = source_name(source, name)
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # truncated EXIF and the like: the pixels decide
            if isinstance(source, Image.Image):  # the caller's image: convert, do not close it
                return _checked_rgb(source, name, draft_size)
            with Image.open(source) as img:
                rgb = _checked_rgb(img, name, draft_size)  # unconverted: copy it, the file closes
                return rgb.copy() if rgb is img else rgb
    except UserError:
        raise
    except Image.DecompressionBombError as err:
        raise too_large(name) from err
    except PILLOW_ERRORS as err:
        if "Decompressed data too large" in str(err):  # PNG text chunks inflating past a limit
            raise too_large(name) from err
        # Pillow's own words ("cannot identify image file <_io.BytesIO ...>") help nobody
        why = "" if isinstance(err, UnidentifiedImageError) else " (damaged or cut short)"
        raise UserError(
            f"{name}: not a readable image{why}; expected a {IMAGE_TYPES} file."
        ) from err


def _checked_rgb(img: Image.Image, name: str, draft_size: int | None) -> Image.Image:
    width, height = img.size
    if width * height > MAX_IMAGE_PIXELS:
        raise too_large(name, f"{width}x{height}; ")
    if width < 1 or height < 1:
        raise UserError(f"{name}: the image has no pixels ({width}x{height}).")
    if draft_size and img.format == "JPEG":
        img.draft("RGB", (draft_size, draft_size))  # decode at a reduced scale when possible
    img.load()
    return to_rgb(img)


def decode_image(source: Any, size: int, name: str | None = None) -> torch.Tensor:
    """A path, bytes, file object or PIL image -> (3, size, size) uint8, any mode or size."""
    name = source_name(source, name)
    img = open_rgb(source, name, draft_size=size)
    try:
        if img.size != (size, size):
            img = img.resize((size, size), Image.Resampling.BILINEAR)
        data = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8)
    except PILLOW_ERRORS as err:
        raise UserError(f"{name}: cannot convert this image ({type(err).__name__}).") from err
    return data.view(size, size, 3).permute(2, 0, 1).contiguous()  # (H, W, C) -> (C, H, W)
