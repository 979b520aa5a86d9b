"""Step 1, prepare the data: image folders (or CIFAR-10) -> a uint8 tensor cache -> batches.

    refapps cifar download     # CIFAR-10 through torchvision (md5-checked), for --dataset cifar10

Images are decoded once (`images.py`) into a (N, 3, S, S) uint8 tensor saved with
safetensors in `cache_dir("cifar")` ($REFAPPS_CACHE, else the user cache folder), keyed by
the sorted file list with sizes and mtimes, so a changed folder is decoded again. Training
batches are augmented as tensors (`batches.py`), on the GPU when training there. Folders too
large for memory are read by a DataLoader with workers. Class folders keep their names
(`0_airplane`); `display_names` gives the names people read (`airplane`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import torch

from common.checkpoint import atomic_write
from common.data import cache_dir, data_root
from common.errors import DataNotFoundError, UserError

from .config import DataConfig
from .images import IMAGE_EXTENSIONS, decode_image

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR2_CLASSES = (0, 1)  # airplane, automobile: the tutorial's CIFAR-2
CLASS_PREFIX = re.compile(r"^\d+[_\- .]+")  # "0_airplane" sorts first; people read "airplane"
MAX_IN_MEMORY_BYTES = 4 << 30  # larger decoded sets stream from disk through a DataLoader
DEFAULT_VAL_FRACTION = 0.1  # for folders without test/


@dataclass
class ImageSet:
    """One split: uint8 images in memory (`x`) or image files on disk (`paths`), and labels."""

    y: torch.Tensor  # (N,) int64
    classes: list[str]
    x: torch.Tensor | None = None  # (N, 3, S, S) uint8
    paths: list[Path] | None = None

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, index: torch.Tensor) -> ImageSet:
        x = self.x[index] if self.x is not None else None
        paths = [self.paths[i] for i in index.tolist()] if self.paths is not None else None
        return ImageSet(self.y[index], self.classes, x, paths)


def display_names(classes: list[str]) -> list[str]:
    """Class names as people read them: folder names without a sort prefix (`0_airplane`).

    Names stay as they are when stripping would make two equal or one empty.
    """
    names = [CLASS_PREFIX.sub("", name) for name in classes]
    if "" in names or len(set(names)) < len(names):
        return list(classes)
    return names


def list_images(split_dir: Path) -> tuple[list[Path], list[int], list[str]]:
    """ImageFolder layout: one sub-folder per class (sorted), image files inside."""
    classes = sorted(p.name for p in split_dir.iterdir() if p.is_dir())
    paths, labels = [], []
    for label, name in enumerate(classes):
        files = sorted(
            p for p in (split_dir / name).rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS
        )
        paths += files
        labels += [label] * len(files)
    if len(classes) < 2 or not paths:
        raise UserError(
            f"{split_dir} needs one sub-folder per class (at least two) with image files "
            f"({', '.join(IMAGE_EXTENSIONS)})."
        )
    return paths, labels, classes


def folder_key(split_dir: Path, paths: list[Path], size: int) -> str:
    """A hash of the sorted file list with sizes and mtimes: any change makes a new cache."""
    digest = hashlib.sha256(f"{size}\n".encode())
    for path in paths:
        stat = path.stat()
        digest.update(f"{path.relative_to(split_dir)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def load_folder(split_dir: Path, size: int) -> ImageSet:
    """Decode an ImageFolder split once; later calls read the safetensors cache."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    paths, labels, classes = list_images(split_dir)
    y = torch.tensor(labels, dtype=torch.int64)
    if len(paths) * 3 * size * size > MAX_IN_MEMORY_BYTES:
        return ImageSet(y, classes, paths=paths)
    cache_path = cache_dir("cifar") / f"{folder_key(split_dir, paths, size)}.safetensors"
    if cache_path.is_file():
        try:
            with safe_open(str(cache_path), "pt") as f:
                return ImageSet(
                    f.get_tensor("y"), json.loads(f.metadata()["classes"]), f.get_tensor("x")
                )
        except Exception:  # a corrupt or foreign cache file is simply rebuilt
            cache_path.unlink(missing_ok=True)
    x = torch.stack([decode_image(p, size) for p in paths])
    tensors, meta = {"x": x, "y": y}, {"classes": json.dumps(classes)}
    atomic_write(cache_path, lambda tmp: save_file(tensors, str(tmp), metadata=meta))
    return ImageSet(y, classes, x)


def load_cifar10(train: bool, two_classes: bool, size: int, download: bool = True) -> ImageSet:
    """CIFAR-10 (or its first two classes) through torchvision, which checks the md5s."""
    import torchvision

    root = data_root() / "cifar10"
    try:
        data = torchvision.datasets.CIFAR10(str(root), train=train, download=download)
    except Exception as err:  # offline, HTTP error, bad md5: all fixed by placing the file
        raise DataNotFoundError(
            f"CIFAR-10 is not available ({type(err).__name__}). Download {CIFAR10_URL} "
            f"to {root}/, or put CIFAR-2 JPEGs in {data_root() / 'cifar2'}/{{train,test}}/."
        ) from err
    x = torch.from_numpy(data.data).permute(0, 3, 1, 2).contiguous()  # (N, H, W, C) -> (N, C, H, W)
    y = torch.tensor(data.targets, dtype=torch.int64)
    classes = list(data.classes)
    if two_classes:
        keep = (y == CIFAR2_CLASSES[0]) | (y == CIFAR2_CLASSES[1])
        x, y, classes = x[keep], y[keep], [classes[i] for i in CIFAR2_CLASSES]
    if size != x.shape[-1]:
        resized = torch.nn.functional.interpolate(x.float(), size=(size, size), mode="bilinear")
        x = resized.round().clamp(0, 255).to(torch.uint8)
    return ImageSet(y, classes, x)


def load_splits(cfg: DataConfig, seed: int) -> tuple[ImageSet, ImageSet, ImageSet]:
    """(train, val, test) for the configured source; val is test unless a fraction is held out."""
    folder = Path(cfg.data_dir).expanduser() if cfg.data_dir else data_root() / cfg.dataset
    if cfg.data_dir and not (folder / "train").is_dir():
        raise UserError(f"--data-dir {folder} needs a train/ folder (and ideally test/).")
    val_fraction = cfg.val_fraction
    if (folder / "train").is_dir() and (cfg.data_dir or cfg.dataset == "cifar2"):
        train_set = load_folder(folder / "train", cfg.image_size)
        if (folder / "test").is_dir():
            test_set = load_folder(folder / "test", cfg.image_size)
            if test_set.classes != train_set.classes:
                raise UserError(f"{folder}: train/ and test/ must have the same class folders.")
        else:
            val_fraction = val_fraction or DEFAULT_VAL_FRACTION
            train_set, test_set = split_off(train_set, val_fraction, seed)
            return train_set, test_set, test_set
    else:
        two = cfg.dataset == "cifar2"
        train_set = load_cifar10(True, two, cfg.image_size)
        test_set = load_cifar10(False, two, cfg.image_size)
    if val_fraction > 0:
        train_set, val_set = split_off(train_set, val_fraction, seed)
        return train_set, val_set, test_set
    return train_set, test_set, test_set


def split_off(data: ImageSet, fraction: float, seed: int) -> tuple[ImageSet, ImageSet]:
    """A seeded random (train, held-out) split."""
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    num_held = max(1, round(fraction * len(data)))
    return data.subset(order[num_held:]), data.subset(order[:num_held])


def sample(data: ImageSet, max_samples: int | None, seed: int) -> ImageSet:
    """A seeded random subset (folders are sorted by class, so `head` would hold one class)."""
    if max_samples is None or max_samples >= len(data):
        return data
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    return data.subset(order[:max_samples].sort().values)
