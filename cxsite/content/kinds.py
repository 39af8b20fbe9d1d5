"""What a kind of source is: its keys, how each is read, what it refers to, how it becomes a model object.

A `Kind` is one registration. The content stage reads its `fields` (schema
check, Markdown fields, where its files live); the site stage calls `make`,
`url` and `order`, follows `references` for back-links and integrity checks;
pages, feeds and `cxsite new` find everything else here. The built-in kinds
(bulletins, posts, pages, branches, events, honours, phases) are registered in
`cxsite.site.records` exactly as a site's own extension registers a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

DOCUMENTS, RECORDS = "documents", "records"


@dataclass(frozen=True)
class Reference:
    """A field that names other items by id (or issue number), or by name where the target kind has one.

    `target` is a kind's name; `all_word` is accepted instead of ids to mean every
    item of the target kind. What refers to an item is known to `Site.referrers`,
    and the target kind's `link` may copy it into fields of its model objects.
    """

    target: str
    all_word: str = ""


@dataclass(frozen=True)
class Field:
    """One key of a kind: its name, how its value is read, its Chinese label."""

    name: str
    read: Callable  # read(value, tz) -> value; raises schema.FieldError with a Chinese reason
    label: str
    required: bool = False
    markdown: bool = False  # Markdown text, converted to HTML (its key is kept in the model)
    reference: Reference | None = None
    not_before: str = ""  # another field this one may not precede (an end before its start)


@dataclass(frozen=True)
class Kind:
    """A kind of source: Markdown documents in a folder, or YAML records.

    `make(parsed, rendered, problems)` returns the model object of one valid
    source item (or None after adding a problem); `order(item)` is its sort key
    in the Site; `url(item)` its page's URL when records of the kind have pages;
    `link(item, referrers)` fills the fields that list what refers to it, where
    `referrers(kind, id, referring kind)` gives those ids.
    """

    name: str  # collection name: "branches"; for documents the kind: "bulletin"
    label: str  # 支部
    fields: tuple[Field, ...]
    order: Callable
    make: Callable | None = None  # None: a generic model.Record holding every field
    source: str = RECORDS
    folder: str = ""  # content/<folder>; defaults to the name
    id_field: str | None = "id"  # None: items have no id of their own (honours)
    name_field: str = ""  # the field writers know a record by (a branch's name): references may use it
    list_url: str = ""  # the page listing every item: /branches/
    url: Callable | None = None
    link: Callable | None = None  # link(item, referrers) -> the item with its back-link fields filled

    @property
    def folder_name(self) -> str:
        """The folder (and, for records, the list file's stem) under content/."""
        return self.folder or self.name

    @property
    def is_document(self) -> bool:
        """Whether items are Markdown documents with front matter."""
        return self.source == DOCUMENTS

    def field(self, name: str) -> Field | None:
        """Return the field of a key, if the kind has it."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def markdown_fields(self) -> tuple[str, ...]:
        """The keys whose text is Markdown."""
        return tuple(f.name for f in self.fields if f.markdown)

    @property
    def references(self) -> tuple[Field, ...]:
        """The fields that refer to other items."""
        return tuple(f for f in self.fields if f.reference is not None)
