"""References written as names: `branches: [第一党支部]` means the branch whose `name` is 第一党支部.

Writers know branches, events and phases by their names, not by the ids in
their URLs. A kind with a `name_field` (content/kinds.py) may be referred to by
that field's value, exactly as written, or by its id. This is the one place
names become ids: the graph resolves every reference field of every kind here,
before anything checks or follows references, so the model only ever holds ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from cxsite.content.kinds import Field, Kind
from cxsite.site.model import Content, Record


@dataclass(frozen=True)
class Names:
    """The records of each kind with a name field: what each name and id stands for."""

    ids: Mapping[str, Mapping[str, str]]  # kind -> name -> the id of the one record of that name
    shared: Mapping[str, Mapping[str, tuple[str, ...]]]  # kind -> name -> ids of the records sharing it
    named: Mapping[str, Mapping[str, str]]  # kind -> id -> its record's name

    def resolve(self, target: str, ref):
        """The id a reference names: itself when it is an id (ids win), the id of a name, else as written."""
        if not isinstance(ref, str) or ref in self.named.get(target, {}):
            return ref
        return self.ids.get(target, {}).get(ref.strip(), ref)


def collect_names(content: Content, kinds: Sequence[Kind]) -> Names:
    """Gather the names and ids of every record of the kinds that have a name field.

    Records that failed validation count with the name and id they were read with.
    """
    by_name: dict = defaultdict(lambda: defaultdict(list))
    named: dict = defaultdict(dict)
    for kind in kinds:
        if not kind.name_field or not kind.id_field or kind.is_document:
            continue
        pairs = [(getattr(r, kind.id_field), getattr(r, kind.name_field, "")) for r in content.of(kind.name)]
        pairs += [(u.identity[1], u.name) for u in content.unbuilt
                  if u.kind == kind.name and u.identity and u.name]
        for record_id, name in pairs:
            named[kind.name].setdefault(record_id, name)
            if name and record_id not in by_name[kind.name][name]:
                by_name[kind.name][name].append(record_id)
    ids = {kind: {name: found[0] for name, found in names.items() if len(found) == 1}
           for kind, names in by_name.items()}
    shared = {kind: {name: tuple(found) for name, found in names.items() if len(found) > 1}
              for kind, names in by_name.items()}
    return Names(ids, shared, {kind: dict(found) for kind, found in named.items()})


def resolve_names(content: Content, kinds: Sequence[Kind], names: Names) -> Content:
    """The content with every reference written as a name replaced by the id it names."""
    by_name = {kind.name: kind for kind in kinds}
    fields = {kind.name: [f for f in kind.references if f.reference.target in names.named]
              for kind in kinds}
    documents = tuple(_resolved(d, fields[d.kind], names) for d in content.documents)
    records = {name: tuple(_resolved(r, fields[name], names) for r in items)
               for name, items in content.records.items()}
    unbuilt = tuple(replace(u, references=_resolved_values(u.references, fields[u.kind], names))
                    if u.kind in by_name and u.references else u for u in content.unbuilt)
    return replace(content, documents=documents, records=records, unbuilt=unbuilt)


def _resolved(item, fields: list[Field], names: Names):
    """A model object with its reference fields resolved (the same object when none changed)."""
    if not fields:
        return item
    if isinstance(item, Record):
        values = item.values
    else:
        values = {f.name: getattr(item, f.name, None) for f in fields}
    resolved = _resolved_values(values, fields, names)
    if resolved == values:
        return item
    if isinstance(item, Record):
        return replace(item, values=resolved)
    return replace(item, **{f.name: resolved[f.name] for f in fields})


def _resolved_values(values: Mapping, fields: list[Field], names: Names) -> dict:
    """Reference values (one id or a sequence of them) with names made ids."""
    resolved = dict(values)
    for field in fields:
        value, target = values.get(field.name), field.reference.target
        if isinstance(value, tuple | list):
            resolved[field.name] = type(value)(names.resolve(target, ref) for ref in value)
        elif value not in (None, ""):
            resolved[field.name] = names.resolve(target, value)
    return resolved
