"""Images through the cache: each original read once, its web versions made once, in worker processes.

Photos, covers and wide body images become a thumbnail and a large version
(render/media/imaging.py, Pillow). This runs where the build reads its inputs,
before the Site exists, for three reasons: pages need each version's exact
width and height; a photo that cannot be made (damaged, HEIC, too large) is a
content problem, reported at its path:line with the others before anything is
written; and the work is spread over the same forked workers that check sources
and convert Markdown. The output job family (render/media/pictures.py) then only
copies finished files from the cache.

Nothing is done twice: an original whose stamp (size, times, inode) is as last
time is not even read; one whose bytes are known has its versions in the cache
under image_key(digest, settings), shared by every build and preview of the site.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cxsite.content.project import StaticFile, file_stamp, read_static
from cxsite.incremental.imagestore import ImageStore
from cxsite.problem import Problem, error
from cxsite.render.media.imagekeys import ImageSettings, key_of
from cxsite.render.media.pictures import needs_versions
from cxsite.site import urls
from cxsite.site.files import ATTACHMENT, BODY, FileUse
from cxsite.site.model import Media, Picture, Rendition

if TYPE_CHECKING:  # Pillow is imported only by builds that make images (30 ms a process otherwise)
    from cxsite.render.media.imaging import DerivedSet, ImageError

Mapper = Callable[[Callable, Sequence], Iterable[tuple[int, object]]]


@dataclass(frozen=True)
class Developed:
    """What the images stage gave: the Site's Media, problems, and how much was made or reused."""

    media: Media
    problems: list[Problem] = field(default_factory=list)
    made: int = 0  # originals whose versions were made this time
    reused: int = 0  # originals whose versions came from the cache
    keys: frozenset[str] = frozenset()  # derived sets in use (the cache keeps these)


@dataclass(frozen=True)
class _Original:
    """One image file the content shows: where it is and what is known of it already."""

    url: str
    static: StaticFile
    roles: frozenset[str]
    stamp: tuple | None
    known: tuple | None  # (digest, width, height) when its stamp is as last time
    # The cache names an original by its path on disk (static.source): a theme's image and the site's differ.


def develop(uses: Sequence[FileUse], static: Sequence[StaticFile], store: ImageStore, *,
            stamps: Mapping | None = None, mapper: Mapper | None = None,
            settings: ImageSettings | None = None) -> Developed:
    """Make (or find in the cache) the web versions of every image `uses` names; size the attachments.

    Files that do not exist are left out (integrity.py reports them); `stamps` are
    the build's input scan, `mapper` spreads the work over worker processes.
    """
    by_url = {"/" + f.url: f for f in static}
    roles, first, sizes = _gather(uses, by_url, stamps)
    if not roles:
        return Developed(Media(sizes=sizes, files=store))
    settings = settings or ImageSettings()
    fingerprint = store.fingerprint(settings)
    facts, keys, reused, pending = {}, set(), 0, []
    for url, found in roles.items():
        original = _original(url, by_url[url], frozenset(found), store, stamps)
        ready = _from_cache(original, store, fingerprint)
        if ready is None:
            pending.append(original)
            continue
        facts[url], key = ready
        reused += key is not None
        keys.update([key] if key else [])

    def work(index: int):
        return _develop_one(pending[index], store, settings, fingerprint)

    problems, made, remembered, stored = [], 0, {}, {}
    for index, result in sorted((mapper or _in_order)(work, range(len(pending))), key=lambda pair: pair[0]):
        original = pending[index]
        if isinstance(result, Exception):  # an ImageError: this original cannot become a web image
            problems.append(_unusable(first[original.url], result))
            continue
        (digest, width, height), key, meta, fresh = result
        if original.stamp is not None:
            remembered[original.static.source] = (original.stamp, digest, width, height)
        if meta is not None:
            stored[key] = meta
            keys.add(key)
            made, reused = made + fresh, reused + (not fresh)
        facts[original.url] = (width, height, meta)
    store.put_derived(stored)
    store.put_originals(remembered)
    pictures = {url: _picture(url, *facts[url]) for url in sorted(facts)}
    media = Media(pictures=pictures, sizes=sizes, files=store)
    return Developed(media, problems, made, reused, frozenset(keys))


def _gather(uses: Sequence[FileUse], by_url: Mapping[str, StaticFile], stamps: Mapping | None):
    """The roles each image of static/ plays, where it is first named (a photo or cover first), and
    the sizes of the attachments."""
    roles: dict[str, set] = defaultdict(set)
    first: dict[str, FileUse] = {}
    sizes = {}
    for use in uses:
        if use.url not in by_url:
            continue
        if use.role == ATTACHMENT:
            stamp = _stamp(by_url[use.url], stamps)
            if stamp is not None:
                sizes[use.url] = stamp[0]
            continue
        roles[use.url].add(use.role)
        if use.url not in first or (first[use.url].role == BODY and use.role != BODY):
            first[use.url] = use  # a photo or cover is where a problem with the file matters most
    return roles, first, sizes


def _unusable(use: FileUse, exc: ImageError) -> Problem:
    """An image that cannot be read is an error, as a missing one is: the page would show it broken."""
    return error(use.path, use.line, f"图片“{use.url}”无法使用：{exc.message}", exc.hint, use.column)


def _stamp(static: StaticFile, stamps: Mapping | None) -> tuple | None:
    """A static file's stamp, from the build's scan when it has one."""
    found = (stamps or {}).get("static/" + static.url)
    return found if found is not None else file_stamp(static.source)


def _original(url: str, static: StaticFile, roles: frozenset, store: ImageStore,
              stamps: Mapping | None) -> _Original:
    """An original with what the cache knows of it, if its stamp is unchanged."""
    stamp = _stamp(static, stamps)
    remembered = store.originals.get(static.source)
    unchanged = remembered is not None and stamp is not None and remembered[0] == stamp
    known = remembered[1:] if unchanged else None
    return _Original(url, static, roles, stamp, known)


def _from_cache(original: _Original, store: ImageStore, fingerprint: str):
    """((width, height, meta), key or None) when nothing needs reading, else None."""
    if original.known is None:
        return None
    digest, width, height = original.known
    if not needs_versions(original.roles, width):
        return (width, height, None), None
    key = key_of(digest, fingerprint)
    if not store.has(key):
        return None
    return (width, height, store.derived[key]), key


def _develop_one(original: _Original, store: ImageStore, settings: ImageSettings, fingerprint: str):
    """Read one original and make its versions unless the cache has them (in a worker process).

    Returns ((digest, width, height), key, meta, made) or an ImageError.
    """
    from cxsite.render.media.imaging import ImageError, derive_image, image_size, original_digest

    try:
        data = read_static(original.static)
    except OSError as exc:
        return ImageError(f"无法读取（{exc.strerror or exc}）", "检查文件是否还在、是否有权限读取")
    digest = original_digest(data)
    try:
        size = image_size(data)
        width, height = size if size is not None else (None, None)
        if not needs_versions(original.roles, width):
            return (digest, width, height), None, None, False
        key = key_of(digest, fingerprint)
        if store.has(key):
            return (digest, width, height), key, store.derived[key], False
        derived = derive_image(data, settings=settings, fingerprint=fingerprint)
    except ImageError as exc:
        return exc
    store.put_files((f.name, f.data) for f in derived.files())
    return (digest, derived.width, derived.height), derived.key, _meta(derived), True


def _meta(derived: DerivedSet) -> tuple:
    """What the cache keeps of a derived set: (width, height, thumbnail, large), each (name, w, h)."""
    return (derived.width, derived.height, *((f.name, f.width, f.height) for f in (derived.thumbnail,
                                                                                    derived.large)))


def _picture(url: str, width: int | None, height: int | None, meta: tuple | None) -> Picture:
    """How pages show one original."""
    if meta is None:
        return Picture(src=url, width=width, height=height)
    thumbnail, large = (Rendition(urls.DERIVED_IMAGES + name, w, h) for name, w, h in meta[2:])
    return Picture(src=url, width=width, height=height, thumbnail=thumbnail, large=large)


def _in_order(func: Callable, items: Sequence) -> Iterable[tuple[int, object]]:
    """The sequential mapper: (index, func(item)) in order."""
    return ((index, func(item)) for index, item in enumerate(items))
