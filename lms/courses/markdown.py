"""The one Markdown renderer, used for lessons, previews and question text.

markdown-it-py (CommonMark + tables + strikethrough) with raw HTML disabled, then nh3
(Ammonia) with a tight allow-list as defence in depth: no script, no event handlers, no
``style``, and only http(s)/mailto or relative URLs. Learners and the lecturer's live
preview see exactly the same output.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
    "td", "sup", "sub", "dl", "dt", "dd",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


@cache
def _parser() -> MarkdownIt:
    # "js-default" is CommonMark with HTML off and safe link validation.
    return MarkdownIt("js-default").enable(["table", "strikethrough"])


def render_markdown(text: str, rewrite_url: Callable[[str], str] | None = None) -> Markup:
    """Render ``text`` to sanitised HTML.

    :param rewrite_url: optional mapping of link/image targets (e.g. ``attachments/x.pdf``
        to the attachment's download URL), applied before sanitising.
    """
    tokens = _parser().parse(text or "")
    if rewrite_url is not None:
        for token in tokens:
            for child in token.children or ():
                for attr in ("href", "src"):
                    value = child.attrGet(attr)
                    if isinstance(value, str):
                        child.attrSet(attr, rewrite_url(value))
    html = _parser().renderer.render(tokens, _parser().options, {})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 (sanitised by nh3 just above)


ATTACHMENT_PREFIXES = ("attachments/", "../attachments/")


def linked_attachments(text: str) -> set[str]:
    """The names of the attachments ``text`` links to or shows (``attachments/x``)."""
    names: set[str] = set()
    for token in _parser().parse(text or ""):
        for child in token.children or ():
            for attr in ("href", "src"):
                value = child.attrGet(attr)
                if not isinstance(value, str):
                    continue
                for prefix in ATTACHMENT_PREFIXES:
                    if value.startswith(prefix):
                        names.add(value[len(prefix):].split("#", 1)[0].split("?", 1)[0])
    return names
