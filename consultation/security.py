"""Browser-facing security settings: the Content Security Policy and the HTTPS switches.

Imported by ``consultation.settings``, so nothing here may import Django models or read settings.

The policy allows scripts, styles, fonts and XHR from our own origin only: no inline script, no
inline style, no ``eval``. Every page's JavaScript lives in static files (``surveys/journey.js``,
``reports/progress.js``), and the Django admin ships its scripts as files too. Images may also be
``data:`` URIs, which Bootstrap's form controls use for their check marks and arrows.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from csp.constants import NONE, SELF

if TYPE_CHECKING:
    from django.http import HttpRequest


def content_security_policy(*, report_uri: str = "") -> dict[str, dict[str, list[str]]]:
    """django-csp 4 settings (``CONTENT_SECURITY_POLICY``) for the whole site.

    ``report_uri``, when set, is where browsers post the violations they block.
    """
    directives: dict[str, list[str]] = {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
    if report_uri:
        directives["report-uri"] = [report_uri]
    return {"DIRECTIVES": directives}


def client_ip(request: HttpRequest) -> str:
    """The visitor's network address, for rate limits, login lockouts and the stored response.

    Behind a reverse proxy every request comes from the proxy, so the address is read from the
    header the proxy sets (``settings.CLIENT_IP_HEADER``, e.g. ``HTTP_X_REAL_IP``); the proxy
    must overwrite that header on every request, or a client could choose its own address. A
    value that is not an IP address is ignored.
    """
    from django.conf import settings

    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        candidate = request.META.get(header, "").split(",")[0].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    address: str = request.META.get("REMOTE_ADDR", "")
    return address
