"""The print shop's file: booklets imposed two-up on A4 landscape, or A4 pages in order.

A booklet's sheet side is a new page drawing two body pages, each as a Form
XObject (its drawing and resources, copied once); the file is written with
stamp.py's `Objects`. A4 pages in order are the body pages themselves,
through pypdf's `PdfWriter`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from io import BytesIO

from pypdf import PageObject, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject

from .stamp import HEADER, Mark, Objects, form_xobject, new_stream

A4 = (595.276, 841.89)  # pt, portrait


@dataclass
class Pamphlet:
    """One pamphlet to print: its body's pages and what goes on them later."""

    pages: list[PageObject]
    marks: list[Mark] = field(default_factory=list)
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


def booklets(pamphlets: list[Pamphlet]) -> tuple[bytes, list[Mark]]:
    """Each pamphlet (A5 pages) as a booklet, imposed two-up on A4 landscape
    for duplex printing (flip on the short edge), one after the other; every
    booklet starts on a sheet of its own. Returns the PDF and the pamphlets'
    marks moved to where their pages went."""
    pdf, moved, sides = Objects(HEADER, 1), [], []
    tree = pdf.reserve()  # the page tree, written once every side is
    width, height = A4[1], A4[0]
    for pamphlet in pamphlets:
        mapping: dict = {}  # the body's objects copied so far (its fonts serve all its pages)
        for left, right in saddle_order(len(pamphlet.pages), pamphlet.rtl):
            data, forms = b"", {}
            for half, index in ((0, left), (1, right)):
                if index is None:
                    continue
                page = pamphlet.pages[index]  # centred in its half (A5 is a hair narrower than half an A4)
                x = half * width / 2 + (width / 2 - float(page.mediabox.width)) / 2
                y = (height - float(page.mediabox.height)) / 2
                resources = page.raw_get("/Resources") if "/Resources" in page else DictionaryObject()
                forms[NameObject(f"/P{half}")] = pdf.add(form_xobject(page, pdf.copy(resources, mapping)))
                data += f"q 1 0 0 1 {x:.3f} {y:.3f} cm /P{half} Do Q\n".encode()
                moved += [replace(m, page=len(sides), x=m.x + x, y=m.y + y) for m in pamphlet.marks if m.page == index]
            side = DictionaryObject({
                NameObject("/Type"): NameObject("/Page"), NameObject("/Parent"): tree,
                NameObject("/MediaBox"): ArrayObject(FloatObject(v) for v in (0, 0, width, height)),
                NameObject("/Resources"): DictionaryObject({NameObject("/XObject"): DictionaryObject(forms)}),
            })
            if data:
                side[NameObject("/Contents")] = pdf.add(new_stream(data))
            sides.append(pdf.add(side))
    pdf.put(tree.idnum, DictionaryObject({NameObject("/Type"): NameObject("/Pages"),
                                          NameObject("/Kids"): ArrayObject(sides),
                                          NameObject("/Count"): NumberObject(len(sides))}))
    root = pdf.add(DictionaryObject({NameObject("/Type"): NameObject("/Catalog"), NameObject("/Pages"): tree}))
    return pdf.finish({"/Root": root}), moved


def in_order(pamphlets: list[Pamphlet]) -> tuple[bytes, list[Mark]]:
    """The pamphlets one after the other, each padded to an even number of
    pages so that every one starts on a sheet of its own when printed duplex.
    Returns the PDF and the pamphlets' marks moved to where their pages went."""
    writer, moved = PdfWriter(), []
    for pamphlet in pamphlets:
        first = len(writer.pages)
        for page in pamphlet.pages:
            writer.add_page(page)
        moved += [replace(m, page=first + m.page) for m in pamphlet.marks]
        if len(pamphlet.pages) % 2:
            writer.add_blank_page(*A4)
    return _bytes(writer), moved


def _bytes(writer: PdfWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
