"""快递: the resident's parcels (phone), the pickup code big and as a QR code the desk scans."""

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


def code_qr_svg(code: str) -> str:
    """The pickup code as an inline SVG QR code (drawn on the server: no script needed); never
    Micro QR, which six digits would fit and scanners do not read."""
    return segno.make_qr(code, error="m").svg_inline(scale=6, dark="#111", omitsize=True)


@login_required
def parcel_list(request: HttpRequest) -> HttpResponse:
    parcels = selectors.resident_parcels(request.user)
    waiting = [{"parcel": p, "qr_svg": code_qr_svg(p.pickup_code)} for p in parcels["waiting"]]
    return render(
        request,
        "resident/services/parcels/list.html",
        {"waiting": waiting, "history": parcels["history"]},
    )
