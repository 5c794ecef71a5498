"""The one rule for what a licence number looks like, for the form and the register upload.

- SFC central entity (CE) number: three letters then three digits, e.g. ``ABC123`` (the SFC's
  public register gives every licensed corporation and representative one).
- C&ED licence number: Customs publishes no single format for its licences (money service
  operators' look like ``16-03-01869``), so we accept 4 to 20 letters and digits, optionally in
  groups joined by single hyphens.

Numbers are compared as stored: full-width characters made ASCII (NFKC), spaces removed,
letters upper-case.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from surveys.models import LicenceRegister

MAX_LENGTH = 20
SFC_CE = re.compile(r"[A-Z]{3}[0-9]{3}")
CUSTOMS = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
CUSTOMS_LENGTH = (4, MAX_LENGTH)


def licence_number_normalised(*, register: str, number: str) -> str:
    """``number`` as stored for ``register``; ValidationError (code ``licence_number``) with the
    format expected when it does not fit, or when the register is unknown."""
    value = re.sub(r"\s+", "", unicodedata.normalize("NFKC", number)).upper()
    if register == LicenceRegister.SFC:
        if not SFC_CE.fullmatch(value):
            raise ValidationError(
                _(
                    "An SFC central entity (CE) number is three letters followed by three "
                    "digits, like ABC123."
                ),
                code="licence_number",
            )
        return value
    if register == LicenceRegister.CUSTOMS:
        low, high = CUSTOMS_LENGTH
        if not (low <= len(value) <= high and CUSTOMS.fullmatch(value)):
            raise ValidationError(
                _(
                    "A C&ED licence number is 4 to 20 letters and digits, which may be grouped "
                    "with hyphens, like 16-03-01869."
                ),
                code="licence_number",
            )
        return value
    raise ValidationError(_("Choose which register the number is in."), code="licence_register")
