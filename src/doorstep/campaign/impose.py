"""The print shop's file: booklets imposed two-up on A4 landscape, or A4 pages in order."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader, PdfWriter

from .stamp import add_drawing, form_drawing, page_form

A4 = (595.276, 841.89)  # pt, portrait


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


def booklets(pdfs: list[tuple[PdfReader, bool]]) -> bytes:
    """Each (PDF of A5 pages, right-to-left?) as a booklet, imposed two-up on
    A4 landscape for duplex printing (flip on the short edge), one after the
    other; every booklet starts on a sheet of its own."""
    writer = PdfWriter()
    width, height = A4[1], A4[0]
    for reader, rtl in pdfs:
        pages = reader.pages
        for left, right in saddle_order(len(pages), rtl):
            side = writer.add_blank_page(width, height)
            drawing = b""
            for half, index in ((0, left), (1, right)):
                if index is not None:  # centred in its half (A5 is a hair narrower than half an A4)
                    page = pages[index]
                    x = half * width / 2 + (width / 2 - float(page.mediabox.width)) / 2
                    y = (height - float(page.mediabox.height)) / 2
                    drawing += form_drawing(side, f"/P{half}", page_form(writer, page), x, y)
            if drawing:
                add_drawing(writer, side, drawing)
    return _bytes(writer)


def in_order(pdfs: list[PdfReader]) -> bytes:
    """The PDFs one after the other, each padded to an even number of pages
    so that every one starts on a sheet of its own when printed duplex."""
    writer = PdfWriter()
    for reader in pdfs:
        for page in reader.pages:
            writer.add_page(page)
        if len(reader.pages) % 2:
            writer.add_blank_page(*A4)
    return _bytes(writer)


def _bytes(writer: PdfWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
