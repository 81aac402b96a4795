"""Join a cached pamphlet body and one commune's block, without re-rendering.

The body PDF has two empty boxes (`ds-commune`, `ds-qr`, positions noted at
render time). The commune's block, a PDF page exactly the box's size, is
placed in the first as a Form XObject; the QR code is drawn into the second
as filled rectangles. The body is updated incrementally: its bytes are kept
and the few new objects appended, so a pamphlet costs milliseconds.
"""

from __future__ import annotations

from io import BytesIO

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, IndirectObject, NameObject

from ..pamphlet.qr import dark_runs, qr_matrix

PT_PER_PX = 0.75  # WeasyPrint lays out in CSS px; PDF measures in points


def page_form(writer: PdfWriter, page: PageObject) -> IndirectObject:
    """`page` (of any PDF) as a Form XObject of `writer`, to draw anywhere."""
    contents = page.get_contents()
    form = _stream(contents.get_data() if contents is not None else b"").flate_encode()
    box = page.mediabox
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(FloatObject(v) for v in (box.left, box.bottom, box.right, box.top)),
        NameObject("/Resources"): page["/Resources"].clone(writer) if "/Resources" in page else DictionaryObject(),
    })
    return writer._add_object(form)


def form_drawing(page: PageObject, name: str, form: IndirectObject, x: float, y: float) -> bytes:
    """Content that draws `form` with its lower-left corner at (x, y) pt; names it
    `name` in the page's resources."""
    resources = page.setdefault(NameObject("/Resources"), DictionaryObject()).get_object()
    xobjects = resources.setdefault(NameObject("/XObject"), DictionaryObject()).get_object()
    xobjects[NameObject(name)] = form
    return f"q 1 0 0 1 {x:.3f} {y:.3f} cm {name} Do Q\n".encode()


def qr_drawing(data: str, level: str, x: float, y: float, size: float) -> bytes:
    """Content that draws the QR code of `data` (quiet zone included) in the
    square of `size` pt whose lower-left corner is (x, y): one filled path."""
    matrix, _version = qr_matrix(data, level)
    module = size / len(matrix)
    top = y + size
    ops = [f"q 1 g {x:.3f} {y:.3f} {size:.3f} {size:.3f} re f 0 g"]
    ops += [f"{x + col * module:.3f} {top - (row + 1) * module:.3f} {n * module:.3f} {module:.3f} re"
            for row, col, n in dark_runs(matrix)]
    ops.append("f Q\n")
    return "\n".join(ops).encode()


def add_drawing(writer: PdfWriter, page: PageObject, data: bytes) -> None:
    """Append `data` to the page's content, after the page's own drawing
    (wrapped in q … Q so that its graphics state cannot leak into ours)."""
    current = page.raw_get("/Contents") if "/Contents" in page else ArrayObject()
    streams = list(current.get_object()) if isinstance(current.get_object(), ArrayObject) else [current]
    page[NameObject("/Contents")] = ArrayObject([
        writer._add_object(_stream(b"q\n")), *streams,
        writer._add_object(_stream(b"Q\n" + data).flate_encode()),
    ])


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def box_pt(page: PageObject, box: tuple) -> tuple[float, float, float, float]:
    """A layout box (x1, y1, x2, y2 in px from the top-left) as (x, y, width,
    height) in pt from the page's lower-left corner."""
    x1, y1, x2, y2 = box
    top = float(page.mediabox.top)
    return x1 * PT_PER_PX, top - y2 * PT_PER_PX, (x2 - x1) * PT_PER_PX, (y2 - y1) * PT_PER_PX


def stamp(body: bytes, anchors: dict, block: PageObject, url: str, level: str) -> bytes:
    """The body PDF with `block` in its `ds-commune` box and the QR code of
    `url` in its `ds-qr` box."""
    writer = PdfWriter(BytesIO(body), incremental=True)
    drawings: dict[int, bytes] = {}
    page_i, *box = anchors["ds-commune"]
    page = writer.pages[page_i]
    x, y, _w, _h = box_pt(page, box)
    drawings[page_i] = form_drawing(page, "/DsCommune", page_form(writer, block), x, y)
    page_i, *box = anchors["ds-qr"]
    x, y, width, height = box_pt(writer.pages[page_i], box)
    drawings[page_i] = drawings.get(page_i, b"") + qr_drawing(url, level, x, y, min(width, height))
    for page_i, data in drawings.items():
        add_drawing(writer, writer.pages[page_i], data)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def read(data: bytes) -> PdfReader:
    return PdfReader(BytesIO(data))
