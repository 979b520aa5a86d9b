"""The refapps applications; each sub-package is one self-contained app built on `common`."""
