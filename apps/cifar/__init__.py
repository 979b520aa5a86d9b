"""CIFAR-2 / CIFAR-10 / any image folder: image classification with a small CNN."""
