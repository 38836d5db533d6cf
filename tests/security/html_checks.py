"""What a browser would run in a page: parsed with html.parser, as tokenised."""

from __future__ import annotations

import re
from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


class Tags(HTMLParser):
    """Collects start tags with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def tags_of(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def inline_scripts(html: str) -> list[dict[str, str]]:
    """``<script>`` elements that are not one of our /static files."""
    return [attrs for tag, attrs in tags_of(html)
            if tag == "script" and not attrs.get("src", "").startswith("/static/")]


def assert_inert(html: str, where: str) -> None:
    """No live script, handler or script URL in ``html``; ``{{7*7}}`` not evaluated."""
    assert not inline_scripts(html), f"{where}: inline <script>"
    for tag, attrs in tags_of(html):
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{where}: <{tag} {name}=…>"
            squeezed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if name in URL_ATTRIBUTES:
                assert not squeezed.startswith(BAD_SCHEMES), f"{where}: {name}={value}"
    assert "An 49" not in html, f"{where}: a template expression was evaluated"
