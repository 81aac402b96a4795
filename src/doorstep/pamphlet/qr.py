"""QR codes: the module matrix, drawn as inline vector SVG (the site's
pamphlets) or as PDF rectangles (campaign pamphlets, doorstep.campaign.stamp)."""

from __future__ import annotations

from functools import lru_cache

LEVELS = ("M", "Q", "H")
QUIET_ZONE = 4  # modules, as the standard asks


@lru_cache(maxsize=1024)
def qr_matrix(data: str, level: str = "M") -> tuple[list[list[bool]], int]:
    """The modules encoding `data`, quiet zone included, and the QR version
    (remembered: a campaign draws each code twice; do not change the lists)."""
    import qrcode  # only when a pamphlet is actually rendered
    from qrcode import constants

    correction = getattr(constants, f"ERROR_CORRECT_{level}")
    code = qrcode.QRCode(error_correction=correction, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix(), code.version


def dark_runs(matrix: list[list[bool]]):
    """(row, first column, length) of each horizontal run of dark modules."""
    for y, row in enumerate(matrix):
        x, size = 0, len(row)
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                yield y, start, x - start
            x += 1


def qr_svg(data: str, level: str = "M") -> tuple[str, int]:
    """An inline `<svg>` encoding `data` (quiet zone included) and its QR version.

    The drawing is one path of horizontal runs of dark modules, a few hundred
    commands instead of one square per module, which WeasyPrint draws several
    times faster. The printed size is set by the pamphlet's CSS.
    """
    matrix, version = qr_matrix(data, level)
    size = len(matrix)
    runs = "".join(f"M{x} {y}h{n}v1h-{n}z" for y, x, n in dark_runs(matrix))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{runs}" fill="#000"/></svg>',
        version,
    )
