"""The print shop's file: booklets imposed two-up on A4 landscape, or A4 pages in order."""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO

from pypdf import PageObject, PdfWriter

from .stamp import BLOCK, Marks, add_drawing, drawing, page_form

A4 = (595.276, 841.89)  # pt, portrait


@dataclass
class Pamphlet:
    """One pamphlet to print: its body's pages and what to draw on them."""

    pages: list[PageObject]
    marks: dict[int, Marks] = field(default_factory=dict)
    block: PageObject | None = None  # the commune's block
    url: str = ""  # what its QR code encodes
    rtl: bool = False


def saddle_order(pages: int, rtl: bool = False) -> list[tuple[int | None, int | None]]:
    """The sheet sides of a saddle-stitched booklet of `pages` pages, in print
    order (front, back, next sheet's front, …), each as (left half, right half):
    0-based page numbers, None for a blank (the booklet is padded to a multiple
    of 4). The sheets nest: the first is the outermost. A right-to-left
    booklet binds on the right, so every side is mirrored."""
    n = -(-pages // 4) * 4
    sides = []
    for sheet in range(n // 4):
        front = (n - 1 - 2 * sheet, 2 * sheet)
        back = (2 * sheet + 1, n - 2 - 2 * sheet)
        for left, right in (front, back):
            if rtl:
                left, right = right, left
            sides.append((left if left < pages else None, right if right < pages else None))
    return sides


class _Sheets:
    """A PdfWriter that draws pamphlet pages, with their marks, where it is told."""

    def __init__(self, level: str):
        self.writer = PdfWriter()
        self.level = level
        self._blocks: dict[int, object] = {}

    def block(self, pamphlet: Pamphlet) -> dict:
        if pamphlet.block is None:
            return {}
        key = id(pamphlet.block)
        if key not in self._blocks:
            self._blocks[key] = page_form(self.writer, pamphlet.block)
        return {BLOCK: self._blocks[key]}

    def marks(self, pamphlet: Pamphlet, index: int, dx: float = 0, dy: float = 0) -> bytes:
        mark = pamphlet.marks.get(index)
        return drawing(mark, pamphlet.url, self.level, dx, dy) if mark else b""

    def bytes(self) -> bytes:
        out = BytesIO()
        self.writer.write(out)
        return out.getvalue()


def booklets(pamphlets: list[Pamphlet], level: str = "M") -> bytes:
    """Each pamphlet (A5 pages) as a booklet, imposed two-up on A4 landscape
    for duplex printing (flip on the short edge), one after the other; every
    booklet starts on a sheet of its own."""
    sheets = _Sheets(level)
    width, height = A4[1], A4[0]
    for pamphlet in pamphlets:
        for left, right in saddle_order(len(pamphlet.pages), pamphlet.rtl):
            side = sheets.writer.add_blank_page(width, height)
            data, forms = b"", {}
            for half, index in ((0, left), (1, right)):
                if index is None:
                    continue
                page = pamphlet.pages[index]  # centred in its half (A5 is a hair narrower than half an A4)
                x = half * width / 2 + (width / 2 - float(page.mediabox.width)) / 2
                y = (height - float(page.mediabox.height)) / 2
                forms[f"/P{half}"] = page_form(sheets.writer, page)
                data += f"q 1 0 0 1 {x:.3f} {y:.3f} cm /P{half} Do Q\n".encode() + sheets.marks(pamphlet, index, x, y)
                forms.update(sheets.block(pamphlet))
            if data:
                add_drawing(sheets.writer, side, data, forms)
    return sheets.bytes()


def in_order(pamphlets: list[Pamphlet], level: str = "M") -> bytes:
    """The pamphlets one after the other, each padded to an even number of
    pages so that every one starts on a sheet of its own when printed duplex."""
    sheets = _Sheets(level)
    for pamphlet in pamphlets:
        for index, page in enumerate(pamphlet.pages):
            placed = sheets.writer.add_page(page)
            if index in pamphlet.marks:
                add_drawing(sheets.writer, placed, sheets.marks(pamphlet, index), sheets.block(pamphlet))
        if len(pamphlet.pages) % 2:
            sheets.writer.add_blank_page(*A4)
    return sheets.bytes()
