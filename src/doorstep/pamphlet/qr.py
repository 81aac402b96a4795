"""QR codes as inline vector SVG: sharp on any printer, small in the PDF."""

from __future__ import annotations

import re

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_M, ERROR_CORRECT_Q

LEVELS = {"M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
QUIET_ZONE = 4  # modules, as the standard asks


def qr_svg(data: str, level: str = "M") -> tuple[str, int]:
    """An inline `<svg>` element encoding `data` (quiet zone included) and its QR version.

    Its printed size is set by the pamphlet's CSS (`svg.qr`).
    """
    code = qrcode.QRCode(error_correction=LEVELS[level], border=QUIET_ZONE,
                         image_factory=qrcode.image.svg.SvgPathFillImage)
    code.add_data(data)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg class="qr"', svg, count=1)
    return svg, code.version
