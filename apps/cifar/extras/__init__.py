"""Options beyond the default CIFAR-2 run; each module opens with the option that turns it on."""
