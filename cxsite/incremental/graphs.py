"""A build's model (the Site and what came with it) as bytes for the next build, and back.

The Site holds a few live objects that belong to this build's cache, not to the
model: the Markdown HTML and derivations it reads on demand, the derived images'
store and the read-only views mapping. They are left out when packed and handed
back when unpacked, so a packed model never carries a database connection.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, replace
from types import MappingProxyType

from cxsite.incremental.images import Developed
from cxsite.site.model import Site


@dataclass(frozen=True)
class Model:
    """What making the graph gave besides reading: the Site, its problems, slugs and images."""

    site: Site
    built: tuple  # the problems making it found (build.Loaded.built)
    slugs: dict
    images: Developed | None


def pack_model(model: Model) -> bytes:
    """The model as bytes, without the cache's live objects."""
    site = model.site
    media = replace(site.index.media, files={})
    bare = replace(site, html_store={}, derived_store={}, views=dict(site.views),
                   index=replace(site.index, media=media))
    images = model.images and replace(model.images, media=replace(model.images.media, files={}))
    return pickle.dumps(replace(model, site=bare, images=images), protocol=5)


def unpack_model(blob: bytes, *, html, derived, files) -> Model | None:
    """The model of pack_model's bytes with this build's stores (None when it cannot be read back:
    a site's own extension whose classes moved, say)."""
    try:
        model = pickle.loads(blob)
    except Exception:  # anything unreadable is only a model to make again
        return None
    site = model.site
    media = replace(site.index.media, files=files)
    site = replace(site, html_store=html, derived_store=derived, views=MappingProxyType(site.views),
                   index=replace(site.index, media=media))
    images = model.images and replace(model.images, media=replace(model.images.media, files=files),
                                      made=0, reused=model.images.made + model.images.reused)
    return replace(model, site=site, images=images)
