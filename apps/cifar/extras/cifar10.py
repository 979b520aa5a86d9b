"""--dataset cifar10 and `refapps cifar download`: CIFAR-10 through torchvision, md5-checked.

    refapps cifar download
    refapps cifar train --dataset cifar10 --epochs 20

Also CIFAR-2 when REFAPPS_DATA/cifar2 has no train/ folder: the first two classes of the
download (airplane, automobile). torchvision checks the md5s; images are resized when
--image-size is not 32, and --val-fraction holds out a share of train as in `folders.py`.
"""

from __future__ import annotations

import torch

from common.data import data_root
from common.errors import DataNotFoundError

from ..config import DataConfig
from ..data import ImageSet, Splits
from .folders import hold_out

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR2_CLASSES = (0, 1)  # airplane, automobile: the tutorial's CIFAR-2


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
    return ImageSet(x, y, classes)


def load_splits(cfg: DataConfig, seed: int) -> Splits:
    """(train, val, test) of CIFAR-10, or of its first two classes for `--dataset cifar2`."""
    two = cfg.dataset == "cifar2"
    train_set = load_cifar10(True, two, cfg.image_size)
    test_set = load_cifar10(False, two, cfg.image_size)
    return hold_out(train_set, test_set, cfg.val_fraction, seed)
