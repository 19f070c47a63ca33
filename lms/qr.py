"""QR codes as inline SVG (segno): no images to store, nothing fetched."""

from __future__ import annotations

import io

import segno
from markupsafe import Markup


def qr_svg(data: str, title: str = "", scale: int = 4) -> Markup:
    code = segno.make(data, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, svgns=True, scale=scale, title=title or None, border=4)
    # segno writes only its own markup and our escaped title: safe to embed.
    return Markup(out.getvalue().decode())  # noqa: S704
