"""cxsite: the static-site generator of a workplace campaign's special-topic column."""

__version__ = "0.1.0"
