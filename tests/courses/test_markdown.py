"""The Markdown renderer renders XSS payloads inert."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from lms.courses.markdown import render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[bấm](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(document.cookie))",
    "[x](  javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](vbscript:msgbox(1))",
    "<style>body{display:none}</style>",
    "<!-- <script>alert(1)</script> -->",
    '[x](https://example.com "title\\" onmouseover=\\"alert(1)")',
]

BAD_TAGS = {"script", "iframe", "svg", "style", "object", "embed", "form", "input", "math"}
SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#")


class _Collector(HTMLParser):
    """Collects the live tags and attributes a browser would see."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert(payload: str) -> None:
    html = str(render_markdown(f"Đoạn văn.\n\n{payload}\n"))
    # Inert means: no live dangerous tag, handler or URL; escaped text is fine.
    parser = _Collector()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in BAD_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", html
            if name in ("href", "src"):
                assert (value or "").strip().lower().startswith(SAFE_SCHEMES) or ":" not in (
                    value or ""
                ), html


def test_markdown_features_survive_sanitising() -> None:
    html = str(
        render_markdown(
            "# Tiêu đề\n\n**đậm** và *nghiêng*, [liên kết](https://example.com)\n\n"
            "| Cột | Giá trị |\n|---|---|\n| a | 1 |\n\n> trích dẫn\n\n1. một\n2. hai\n"
        )
    )
    for fragment in (
        "<h1>Tiêu đề</h1>",
        "<strong>đậm</strong>",
        "<em>nghiêng</em>",
        '<a href="https://example.com" rel="noopener noreferrer nofollow">',
        "<table>",
        "<blockquote>",
        "<ol>",
    ):
        assert fragment in html, (fragment, html)


def test_attachment_links_are_rewritten() -> None:
    html = str(
        render_markdown("[Slide](attachments/bai-1.pdf)", lambda url: "/dl/" + url.split("/")[-1])
    )
    assert 'href="/dl/bai-1.pdf"' in html
