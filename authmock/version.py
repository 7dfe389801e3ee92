"""The package version (its own module: the modules the package imports need it too)."""

__version__ = "0.1.0"
