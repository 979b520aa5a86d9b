"""CIFAR: image classification with a small CNN (CIFAR-2, CIFAR-10 or your own folders)."""
