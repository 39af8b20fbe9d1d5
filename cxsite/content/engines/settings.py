"""What site.yaml's `markdown:` section says, as a frozen, hashable value."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

ENGINES = ("default", "fast")
RAW_HTML_POLICIES = ("sanitize", "escape", "strip", "allow")


class FrozenMap(tuple):
    """A mapping frozen as sorted (key, value) pairs, so that settings hash and compare by value."""

    __slots__ = ()


def freeze(value):
    """Return a hashable copy of a YAML value: mappings become FrozenMap, lists tuples."""
    if isinstance(value, dict):
        return FrozenMap(sorted((str(key), freeze(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value):
    """Undo freeze: FrozenMap becomes dict, tuples lists (what extensions expect from YAML)."""
    if isinstance(value, FrozenMap):
        return {key: thaw(item) for key, item in value}
    if isinstance(value, tuple):
        return [thaw(item) for item in value]
    return value


@dataclass(frozen=True)
class MarkdownSettings:
    """The Markdown engine and its configuration; `extensions` are added to the engine's default set."""

    engine: str = "default"
    extensions: tuple[str, ...] = ()
    extension_configs: FrozenMap = FrozenMap()  # extension name -> frozen config
    raw_html: str = "sanitize"

    @cached_property
    def fingerprint(self) -> str:
        """Name the HTML these settings make (see mdengine.fingerprint); computed once per settings."""
        from cxsite.content.engines import fingerprint

        return fingerprint(self)

    def config_of(self, name: str) -> dict:
        """Return the writer's configuration of one extension (empty when none)."""
        return next((thaw(config) for key, config in self.extension_configs if key == name), {})


@dataclass(frozen=True)
class SettingsProblem:
    """A mistake in the `markdown:` section, located by its key path below `markdown`."""

    path: tuple  # e.g. ("extensions", 2) or ("extension_configs", "toc", "permalnk")
    message: str
    hint: str
    is_error: bool = True
