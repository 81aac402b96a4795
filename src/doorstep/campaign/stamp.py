"""Join a cached pamphlet body and one commune's block, without re-rendering.

The body PDF has two empty boxes (`ds-commune`, `ds-qr`, positions noted at
render time). The commune's block, a PDF page exactly the box's size, is
drawn in the first as a Form XObject; the QR code is drawn into the second as
filled rectangles.

A pamphlet is the body's bytes unchanged plus an incremental update: the
changed page objects, the block with its fonts, the new drawing and a
cross-reference stream. The body is parsed once per process, so a pamphlet
costs a few milliseconds. The print file is made with pypdf from the same
parsed bodies and the same drawings (`draw_on`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, IndirectObject,
                           NameObject, NumberObject, StreamObject)

from ..pamphlet.qr import dark_runs, qr_matrix

PT_PER_PX = 0.75  # WeasyPrint lays out in CSS px; PDF measures in points
BLOCK = "/DsCommune"


def read(data: bytes) -> PdfReader:
    return PdfReader(BytesIO(data))


@lru_cache(maxsize=64)
def parsed(path: str) -> "Parsed":
    """A cached PDF (a body, a commune's pages), parsed once per process."""
    with open(path, "rb") as handle:
        return Parsed(handle.read())


class Parsed:
    def __init__(self, data: bytes):
        self.data = data
        self.reader = read(data)
        self.size = int(self.reader.trailer["/Size"])
        self.startxref = int(data[data.rindex(b"startxref") + len(b"startxref"):].split()[0])


# ---------------------------------------------------------------- what goes where

@dataclass
class Marks:
    """What one pamphlet page gets: the block's lower-left corner and the QR
    code's square (x, y, size), in pt from the page's lower-left corner."""

    block: tuple[float, float] | None = None
    qr: tuple[float, float, float] | None = None


def marks(anchors: dict, page_heights: list[float]) -> dict[int, Marks]:
    """Page index → its marks, from the body's boxes (px from the top-left)."""
    out: dict[int, Marks] = {}
    for name in ("ds-commune", "ds-qr"):
        if name not in anchors:  # the team sheet has no QR code
            continue
        page, x1, y1, x2, y2 = anchors[name]
        x, y = x1 * PT_PER_PX, page_heights[page] - y2 * PT_PER_PX
        mark = out.setdefault(page, Marks())
        if name == "ds-commune":
            mark.block = (x, y)
        else:
            mark.qr = (x, y, min(x2 - x1, y2 - y1) * PT_PER_PX)
    return out


def drawing(mark: Marks, url: str, level: str, dx: float = 0, dy: float = 0) -> bytes:
    """PDF content for `mark`, shifted by (dx, dy): the block (the XObject
    named BLOCK) and the QR code of `url`, as one filled path of its runs."""
    ops = []
    if mark.block:
        x, y = mark.block
        ops.append(f"q 1 0 0 1 {x + dx:.3f} {y + dy:.3f} cm {BLOCK} Do Q")
    if mark.qr:
        x, y, size = mark.qr
        x, y = x + dx, y + dy
        matrix, _version = qr_matrix(url, level)
        module = size / len(matrix)
        top = y + size
        ops.append(f"q 1 g {x:.3f} {y:.3f} {size:.3f} {size:.3f} re f 0 g")
        ops += [f"{x + col * module:.3f} {top - (row + 1) * module:.3f} {n * module:.3f} {module:.3f} re"
                for row, col, n in dark_runs(matrix)]
        ops.append("f Q")
    return ("\n".join(ops) + "\n").encode()


def _stream(data: bytes) -> StreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream.flate_encode() if len(data) > 200 else stream


def _with_xobject(resources: DictionaryObject, name: str, form: IndirectObject) -> DictionaryObject:
    """A direct copy of `resources` that also names `form`."""
    copy = DictionaryObject(resources.items())
    xobjects = resources.get("/XObject")
    own = dict(xobjects.get_object().items()) if xobjects is not None else {}
    copy[NameObject("/XObject")] = DictionaryObject({**own, NameObject(name): form})
    return copy


def _form(page: PageObject, resources) -> StreamObject:
    """`page`'s drawing as a Form XObject with `resources`."""
    contents = page.get_contents()
    form = _stream(contents.get_data() if contents is not None else b"")
    box = page.mediabox
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(FloatObject(v) for v in (box.left, box.bottom, box.right, box.top)),
        NameObject("/Resources"): resources,
    })
    return form


# ---------------------------------------------------------------- one pamphlet: an incremental update

class Update:
    """Objects appended to a PDF, and the cross-reference stream that finds them."""

    def __init__(self, base: Parsed):
        self.base = base
        self.next = base.size
        self.out = BytesIO()
        self.offsets: dict[int, int] = {}

    def add(self, obj) -> IndirectObject:
        ref = IndirectObject(self.next, 0, None)
        self.next += 1
        self.put(ref.idnum, obj)
        return ref

    def put(self, number: int, obj) -> None:
        self.offsets[number] = len(self.base.data) + self.out.tell()
        self.out.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self.out)
        self.out.write(b"\nendobj\n")

    def copy(self, obj, mapping: dict):
        """`obj` of another PDF, with everything it refers to added here."""
        if isinstance(obj, IndirectObject):
            if obj.idnum not in mapping:
                mapping[obj.idnum] = ref = IndirectObject(self.next, 0, None)
                self.next += 1
                self.put(ref.idnum, self.copy(obj.get_object(), mapping))
            return mapping[obj.idnum]
        if isinstance(obj, StreamObject):
            copy = StreamObject()
            copy._data = obj._data  # still encoded: /Filter is copied with the dictionary
            copy.update({k: self.copy(v, mapping) for k, v in obj.items()})
            return copy
        if isinstance(obj, DictionaryObject):
            return DictionaryObject({k: self.copy(v, mapping) for k, v in obj.items()})
        if isinstance(obj, ArrayObject):
            return ArrayObject(self.copy(v, mapping) for v in obj)
        return obj

    def finish(self) -> bytes:
        number = self.next
        self.offsets[number] = offset = len(self.base.data) + self.out.tell()
        index, rows = [], b""
        for n in sorted(self.offsets):
            if index and index[-2] + index[-1] == n:
                index[-1] += 1
            else:
                index += [n, 1]
            rows += b"\x01" + self.offsets[n].to_bytes(4, "big") + b"\x00\x00"
        xref = _stream(rows)
        trailer = self.base.reader.trailer
        xref.update({
            NameObject("/Type"): NameObject("/XRef"), NameObject("/Size"): NumberObject(number + 1),
            NameObject("/Index"): ArrayObject(NumberObject(i) for i in index),
            NameObject("/W"): ArrayObject(NumberObject(w) for w in (1, 4, 2)),
            NameObject("/Prev"): NumberObject(self.base.startxref),
            **{NameObject(k): trailer.raw_get(k) for k in ("/Root", "/Info", "/ID") if k in trailer},
        })
        self.put(number, xref)
        self.out.write(f"startxref\n{offset}\n%%EOF\n".encode())
        return self.base.data + self.out.getvalue()


def stamp(body: Parsed, anchors: dict, commune: Parsed, block_page: int, url: str, level: str) -> bytes:
    """The body PDF with the commune's page `block_page` in its `ds-commune`
    box and the QR code of `url` in its `ds-qr` box (if it has one)."""
    update = Update(body)
    pages = body.reader.pages
    block = commune.reader.pages[block_page]
    form = update.add(_form(block, update.copy(block.raw_get("/Resources"), {})))
    for index, mark in marks(anchors, [float(p.mediabox.top) for p in pages]).items():
        page = pages[index]
        contents = page.raw_get("/Contents")
        own = list(contents) if isinstance(contents, ArrayObject) else [contents]
        changed = DictionaryObject(page.items())
        changed[NameObject("/Contents")] = ArrayObject([update.add(_stream(b"q\n")), *own,
                                                        update.add(_stream(b"Q\n" + drawing(mark, url, level)))])
        changed[NameObject("/Resources")] = _with_xobject(page["/Resources"], BLOCK, form)
        update.put(page.indirect_reference.idnum, changed)
    return update.finish()


# ---------------------------------------------------------------- the print file: pages placed with pypdf

def page_form(writer: PdfWriter, page: PageObject) -> IndirectObject:
    """`page` (of any PDF) as a Form XObject of `writer`, to draw anywhere."""
    resources = page["/Resources"].clone(writer) if "/Resources" in page else DictionaryObject()
    return writer._add_object(_form(page, resources))


def add_drawing(writer: PdfWriter, page: PageObject, data: bytes, xobjects: dict[str, IndirectObject]) -> None:
    """Draw `data` over the page's own drawing (kept in q … Q so its graphics
    state cannot leak), with `xobjects` named in its resources."""
    current = page.raw_get("/Contents") if "/Contents" in page else ArrayObject()
    own = list(current.get_object()) if isinstance(current.get_object(), ArrayObject) else [current]
    page[NameObject("/Contents")] = ArrayObject([writer._add_object(_stream(b"q\n")), *own,
                                                 writer._add_object(_stream(b"Q\n" + data))])
    resources = page.get("/Resources") or DictionaryObject()
    for name, form in xobjects.items():
        resources = _with_xobject(resources, name, form)
    page[NameObject("/Resources")] = resources
