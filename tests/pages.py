"""Reading rendered pages in tests."""

import re
from html import unescape


def breadcrumbs(html: str) -> list[tuple[str | None, str]]:
    """(href or None for the current page, text) of each item of the 位置 navigation."""
    nav = re.search(r'<nav class="breadcrumbs" aria-label="位置"><ol>(.*?)</ol></nav>', html, re.S).group(1)
    items = []
    for item in re.findall(r"<li[^>]*>(.*?)</li>", nav, re.S):
        link = re.fullmatch(r'<a href="([^"]+)">(.*)</a>', item)
        items.append((link[1], unescape(link[2])) if link else (None, unescape(item)))
    return items
