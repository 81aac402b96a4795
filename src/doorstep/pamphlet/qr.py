"""QR codes as inline vector SVG: sharp on any printer, small and quick to render."""

from __future__ import annotations

LEVELS = ("M", "Q", "H")
QUIET_ZONE = 4  # modules, as the standard asks


def qr_svg(data: str, level: str = "M") -> tuple[str, int]:
    """An inline `<svg>` encoding `data` (quiet zone included) and its QR version.

    qrcode encodes; the drawing is one path of horizontal runs of dark modules,
    a few hundred commands instead of one square per module, which WeasyPrint
    draws several times faster. The printed size is set by the pamphlet's CSS.
    """
    import qrcode  # only when a pamphlet is actually rendered
    from qrcode import constants

    correction = getattr(constants, f"ERROR_CORRECT_{level}")
    code = qrcode.QRCode(error_correction=correction, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()  # quiet zone included
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{"".join(runs)}" fill="#000"/></svg>',
        code.version,
    )
