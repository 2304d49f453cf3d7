"""Shared text handling for the importers: watermark, headings, regions."""

import re

from disclosures.importing.parsed import ParsedSection

WATERMARK = "仅供内部审核"
HEADING_1 = re.compile(r"^([一二三四五六七八九十]+)、\s*(.*)$")
HEADING_2 = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]\s*(.*)$")

# Province of each city/county seen so far; a department name not listed gets an empty province.
PROVINCES = {"晋城市": "山西省", "大同市": "山西省", "晋中市": "山西省", "门源县": "青海省"}


def find_line(lines: list[str], pattern: str, *, after: int | None = -1) -> int | None:
    """Index of the first line (stripped, without tabs) matching pattern after index ``after``."""
    if after is None:
        return None
    regex = re.compile(pattern)
    for i in range(after + 1, len(lines)):
        text = lines[i].strip()
        if "\t" not in text and regex.search(text):
            return i
    return None


def region_of(department_name: str) -> tuple[str, str, str]:
    """'晋城市应急管理局' → ('晋城市', 'city', '山西省')."""
    match = re.match(r"^(.+?[市县区])", department_name)
    if not match:
        return "", "", ""
    region = match.group(1)
    level = {"市": "city", "县": "county", "区": "county"}[region[-1]]
    return region, level, PROVINCES.get(region, "")


def split_sections(lines: list[str], start: int, end: int, *, part: str) -> list[ParsedSection]:
    """Split lines[start:end] at 一、/（一） headings; body paragraphs joined with newlines."""
    sections: list[ParsedSection] = []
    current: ParsedSection | None = None
    for i in range(start, min(end, len(lines))):
        text = lines[i].strip()
        if not text or text == WATERMARK:
            continue
        level = 1 if HEADING_1.match(text) else 2 if HEADING_2.match(text) else 0
        if level and "\t" not in lines[i]:
            heading, body = text, ""
            for sep in ("：", ":"):
                if sep in text and (part == "glossary" or len(text) > 40):
                    heading, body = (s.strip() for s in text.split(sep, 1))
                    break
            current = ParsedSection(part=part, heading=heading, body=body, line=i + 1, level=level)
            sections.append(current)
            continue
        if current is None:
            current = ParsedSection(part=part, heading="", body="", line=i + 1, level=1)
            sections.append(current)
        current.body = f"{current.body}\n{text}" if current.body else text
    return sections
