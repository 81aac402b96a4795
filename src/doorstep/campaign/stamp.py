"""Join a cached pamphlet body and one commune's block, without re-rendering.

A body PDF has two empty boxes (`ds-commune`, `ds-qr`, positions noted at
render time), the `Mark`s. The commune's block, a PDF page exactly the box's
size, is drawn in the first as a Form XObject; the QR code is drawn into the
second as filled rectangles.

Every file of a pack is a cached PDF (a body, the print file of the bodies,
the team sheet) left byte for byte as it is, plus an incremental update: the
changed page objects, the commune's blocks with their fonts, the new drawing
and a cross-reference stream. Each cached PDF is parsed once per process, so
a commune's file costs a few milliseconds.

pypdf reads the PDFs and writes single objects; the files themselves (an
update, or impose.py's new file) are written here (`Objects`), with pypdf's
public API only: no private names, nothing of its writer's internals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

from pypdf import PageObject, PdfReader
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

@dataclass(frozen=True)
class Mark:
    """One thing to draw on page `page`, its lower-left corner at (x, y) pt:
    page `block` of the commune's PDF, or (with `size`) the QR code of `url`."""

    page: int
    x: float
    y: float
    block: int = 0
    size: float = 0  # the QR code's side; 0: a block
    url: str = ""


def marks(anchors: dict, page_heights: list[float], block: int, url: str) -> list[Mark]:
    """The marks of a rendered body: block page `block` in its `ds-commune`
    box, the QR code of `url` in its `ds-qr` box (if it has one)."""
    out = []
    for name in ("ds-commune", "ds-qr"):
        if name in anchors:
            page, x1, y1, x2, y2 = anchors[name]
            x, y = x1 * PT_PER_PX, page_heights[page] - y2 * PT_PER_PX
            size = min(x2 - x1, y2 - y1) * PT_PER_PX if name == "ds-qr" else 0
            out.append(Mark(page, x, y, block, size, url if size else ""))
    return out


def drawing(marks: list[Mark], level: str) -> bytes:
    """PDF content for `marks`: each block as its XObject, each QR code as one
    filled path of its runs of dark modules (quiet zone painted white)."""
    ops = []
    for mark in marks:
        if not mark.size:
            ops.append(f"q 1 0 0 1 {mark.x:.3f} {mark.y:.3f} cm {block_name(mark.block)} Do Q")
            continue
        matrix, _version = qr_matrix(mark.url, level)
        module = mark.size / len(matrix)
        top = mark.y + mark.size
        ops.append(f"q 1 g {mark.x:.3f} {mark.y:.3f} {mark.size:.3f} {mark.size:.3f} re f 0 g")
        ops += [f"{mark.x + col * module:.3f} {top - (row + 1) * module:.3f} {n * module:.3f} {module:.3f} re"
                for row, col, n in dark_runs(matrix)]
        ops.append("f Q")
    return ("\n".join(ops) + "\n").encode()


def block_name(index: int) -> str:
    return f"/DsBlock{index}"


def new_stream(data: bytes) -> StreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream.flate_encode() if len(data) > 200 else stream


def _with_xobjects(resources: DictionaryObject, forms: dict) -> DictionaryObject:
    """A direct copy of `resources` that also names `forms` (name → XObject)."""
    copy = DictionaryObject(resources.items())
    xobjects = resources.get("/XObject")
    own = dict(xobjects.get_object().items()) if xobjects is not None else {}
    copy[NameObject("/XObject")] = DictionaryObject({**own, **{NameObject(k): v for k, v in forms.items()}})
    return copy


STREAM_DATA_RE = re.compile(rb"\nstream\r?\n(.*)\r?\nendstream\s*\Z", re.S)


def stored_data(stream: StreamObject) -> bytes:
    """The stream's data as its file stores it, still encoded (its /Filter
    goes with its dictionary): what pypdf writes between `stream` and
    `endstream`. (Its `get_data()` gives the data decoded.)"""
    out = BytesIO()
    stream.write_to_stream(out)
    return STREAM_DATA_RE.search(out.getvalue()).group(1)


def form_xobject(page: PageObject, resources) -> StreamObject:
    """`page`'s drawing as a Form XObject with `resources`."""
    contents = page.get_contents()
    form = new_stream(contents.get_data() if contents is not None else b"")
    box = page.mediabox
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(FloatObject(v) for v in (box.left, box.bottom, box.right, box.top)),
        NameObject("/Resources"): resources,
    })
    return form


# ---------------------------------------------------------------- writing PDF objects

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


class Objects:
    """PDF objects written after `prefix` (a whole PDF, for an incremental
    update; a header, for a new file), numbered from `first`, then the
    cross-reference stream that finds them."""

    def __init__(self, prefix: bytes, first: int):
        self.prefix = prefix
        self.next = first
        self.out = BytesIO()
        # number → offset; a new file's object 0 is the head of its free list (None)
        self.offsets: dict[int, int | None] = {} if first > 1 else {0: None}

    def reserve(self) -> IndirectObject:
        """A number for an object `put` later (one that refers to objects not written yet)."""
        ref = IndirectObject(self.next, 0, None)
        self.next += 1
        return ref

    def add(self, obj) -> IndirectObject:
        ref = self.reserve()
        self.put(ref.idnum, obj)
        return ref

    def put(self, number: int, obj) -> None:
        self.offsets[number] = len(self.prefix) + self.out.tell()
        self.out.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self.out)
        self.out.write(b"\nendobj\n")

    def copy(self, obj, mapping: dict):
        """`obj` of another PDF, with everything it refers to added here
        (`mapping`: that PDF's object numbers → their copies here)."""
        if isinstance(obj, IndirectObject):
            if obj.idnum not in mapping:
                mapping[obj.idnum] = ref = self.reserve()
                self.put(ref.idnum, self.copy(obj.get_object(), mapping))
            return mapping[obj.idnum]
        if isinstance(obj, StreamObject):
            copy = StreamObject()
            copy.set_data(stored_data(obj))  # still encoded: /Filter is copied with the dictionary
            copy.update({k: self.copy(v, mapping) for k, v in obj.items()})
            return copy
        if isinstance(obj, DictionaryObject):
            return DictionaryObject({k: self.copy(v, mapping) for k, v in obj.items()})
        if isinstance(obj, ArrayObject):
            return ArrayObject(self.copy(v, mapping) for v in obj)
        return obj

    def finish(self, trailer: dict) -> bytes:
        """The prefix, the objects and their cross-reference stream, with `trailer`'s entries."""
        number = self.next
        self.offsets[number] = offset = len(self.prefix) + self.out.tell()
        index, rows = [], b""
        for n in sorted(self.offsets):
            if index and index[-2] + index[-1] == n:
                index[-1] += 1
            else:
                index += [n, 1]
            at = self.offsets[n]
            rows += b"\x00\x00\x00\x00\x00\xff\xff" if at is None else b"\x01" + at.to_bytes(4, "big") + b"\x00\x00"
        xref = new_stream(rows)
        xref.update({
            NameObject("/Type"): NameObject("/XRef"), NameObject("/Size"): NumberObject(number + 1),
            NameObject("/Index"): ArrayObject(NumberObject(i) for i in index),
            NameObject("/W"): ArrayObject(NumberObject(w) for w in (1, 4, 2)),
            **{NameObject(k): v for k, v in trailer.items()},
        })
        self.put(number, xref)
        self.out.write(f"startxref\n{offset}\n%%EOF\n".encode())
        return self.prefix + self.out.getvalue()


# ---------------------------------------------------------------- one pamphlet: an incremental update

def stamp(base: Parsed, marks: list[Mark], commune: Parsed, level: str) -> bytes:
    """`base` with `marks` drawn on its pages, the blocks taken from `commune`."""
    update = Objects(base.data, base.size)
    mapping: dict = {}
    forms = {}
    for index in sorted({m.block for m in marks if not m.size}):
        block = commune.reader.pages[index]
        forms[block_name(index)] = update.add(form_xobject(block, update.copy(block.raw_get("/Resources"), mapping)))
    pages = base.reader.pages
    for index in sorted({m.page for m in marks}):
        page = pages[index]
        contents = page.raw_get("/Contents")
        own = list(contents) if isinstance(contents, ArrayObject) else [contents]
        data = drawing([m for m in marks if m.page == index], level)
        changed = DictionaryObject(page.items())
        changed[NameObject("/Contents")] = ArrayObject([update.add(new_stream(b"q\n")), *own,
                                                        update.add(new_stream(b"Q\n" + data))])
        changed[NameObject("/Resources")] = _with_xobjects(page["/Resources"], forms)
        update.put(page.indirect_reference.idnum, changed)
    trailer = base.reader.trailer
    return update.finish({"/Prev": NumberObject(base.startxref),
                          **{k: trailer.raw_get(k) for k in ("/Root", "/Info", "/ID") if k in trailer}})
