"""The XSL stylesheets that let a browser show a feed or the sitemap as a page of the site.

Opened in a browser, an RSS file is raw XML under an English banner; with an
`<?xml-stylesheet?>` instruction the browser shows it through the theme's
xsl/feed.xsl (or xsl/sitemap.xsl) instead: a Chinese page in the column's look
that says how to subscribe. Feed readers ignore both instructions. The href is
relative, so it works under any sub-path; the site's title, organization and
root (relative to the file) go in `cxsite-*` instructions the stylesheet reads,
because XSLT 1.0 in a browser cannot be handed parameters.
"""

from __future__ import annotations

from cxsite.content.config import Config
from cxsite.site.urls import relative_url

FEED_XSL = "/xsl/feed.xsl"
SITEMAP_XSL = "/xsl/sitemap.xsl"


def with_stylesheet(data: bytes, url: str, stylesheet: str, config: Config) -> bytes:
    """The XML file at site URL `url` with the instructions that show it through `stylesheet`."""
    declaration, newline, rest = data.partition(b"\n")
    if not declaration.startswith(b"<?xml"):
        declaration, newline, rest = b"", b"", data
    values = (("xml-stylesheet", f'type="text/xsl" href="{relative_url(stylesheet, url)}"'),
              ("cxsite-root", relative_url("/", url)), ("cxsite-title", config.title),
              ("cxsite-organization", config.organization))
    instructions = "".join(f"<?{name} {_instruction_text(text)}?>\n" for name, text in values)
    return declaration + newline + instructions.encode("utf-8") + rest


def _instruction_text(text: str) -> str:
    """Text that cannot end a processing instruction early, on one line."""
    return " ".join(text.replace("?>", "? >").split())
