"""Petitions and standard-text campaigns entered by staff: one record with its signatories.

A petition reaches the regulator as one document (a letter, an email with a list of names, a box
of signed forms) carrying one standard text. ``petition_add`` keeps it as one counted
``Submission`` whose ``signatories`` is its weight, in a confirmed ``CampaignGroup`` of its own
(labelled ``P1``, ``P2`` ...), with the standard text on its ``Petition`` row. Reports count the
record with its weight (see the README, "Campaigns and petitions"). A list of names is personal
data: the names are kept apart (``PetitionSignatory``), counted once each, never published;
repeats in the list are reported and not counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from surveys.journey.services import _reference_allocate
from surveys.models import (
    CampaignGroup,
    Channel,
    Consent,
    Consultation,
    Petition,
    PetitionSignatory,
    RespondentType,
    ReviewEvent,
    SignatoriesSource,
    Submission,
    SubmissionState,
)
from surveys.review.services import FIELD_CAMPAIGN

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile

# ReviewEvent.field of a petition's entry.
FIELD_PETITION = "petition"
# The channels a petition document arrives by (the web form takes one response per person).
PETITION_CHANNELS = (Channel.EMAIL, Channel.POST, Channel.FAX)
# Bounds that catch a typing slip without limiting a real campaign (the largest Hong Kong one
# on record drew about 130,000 submissions).
MAX_SIGNATORIES = 10_000_000
MAX_LIST_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 300
# A first cell that names the column, not a person.
_HEADERS = {"name", "names", "signatory", "signatories", "姓名", "名稱", "簽署人"}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SignatoryList:
    """The names read from a list: each person once, in list order, and the repeats left out."""

    names: tuple[str, ...]
    duplicates: tuple[str, ...]


def signatory_key(name: str) -> str:
    """A name folded for comparison: full-width and half-width alike, case and spacing ignored."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()


def signatory_names(values: Iterable[str]) -> SignatoryList:
    """Each distinct name of ``values`` once (blanks and a header cell skipped); repeats apart."""
    seen: set[str] = set()
    names: list[str] = []
    duplicates: list[str] = []
    for position, raw in enumerate(values):
        name = _SPACES.sub(" ", str(raw)).strip()
        if not name or (position == 0 and signatory_key(name) in _HEADERS):
            continue
        if len(name) > MAX_NAME_CHARS:
            raise ValidationError(
                _("Row %(row)s: a name may have at most %(max)s characters."),
                code="name_too_long",
                params={"row": position + 1, "max": MAX_NAME_CHARS},
            )
        key = signatory_key(name)
        if key in seen:
            duplicates.append(name)
            continue
        seen.add(key)
        names.append(name)
    if not names:
        raise ValidationError(_("The list holds no names."), code="list_empty")
    return SignatoryList(names=tuple(names), duplicates=tuple(duplicates))


def signatory_list_read(*, upload: UploadedFile[bytes]) -> SignatoryList:
    """The names in the first column of an uploaded CSV (UTF-8) or XLSX list."""
    if upload.size is not None and upload.size > MAX_LIST_BYTES:
        raise ValidationError(
            _("The list is larger than %(mb)s MB."),
            code="list_too_large",
            params={"mb": MAX_LIST_BYTES // (1024 * 1024)},
        )
    data = upload.read(MAX_LIST_BYTES + 1)
    name = (upload.name or "").lower()
    if name.endswith(".xlsx"):
        return signatory_names(_xlsx_first_column(data))
    if name.endswith((".csv", ".txt")):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(
                _("The list is not UTF-8 text: save it as CSV UTF-8 and upload it again."),
                code="list_encoding",
            ) from error
        return signatory_names(row[0] if row else "" for row in csv.reader(io.StringIO(text)))
    raise ValidationError(
        _("Upload the list as a CSV or XLSX file, one name a row in the first column."),
        code="list_type",
    )


def _xlsx_first_column(data: bytes) -> list[str]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ValidationError(
            _("The file is not a readable XLSX workbook."), code="list_xlsx"
        ) from error
    try:
        sheet = book.worksheets[0]
        return [
            "" if row[0] is None else str(row[0])
            for row in sheet.iter_rows(max_col=1, values_only=True)
            if row
        ]
    finally:
        book.close()


def _next_label(consultation: Consultation) -> str:
    labels = CampaignGroup.objects.filter(
        consultation=consultation, label__startswith="P"
    ).values_list("label", flat=True)
    numbers = [int(label[1:]) for label in labels if label[1:].isdigit()]
    return f"P{max(numbers, default=0) + 1}"


@transaction.atomic
def petition_add(
    *,
    consultation: Consultation,
    actor: User,
    standard_text: str,
    channel: str,
    received_at: dt.datetime,
    signatories: int | None = None,
    names: SignatoryList | None = None,
    list_name: str = "",
    organisation_name: str = "",
    note: str = "",
) -> Petition:
    """Enter a petition as one counted record with its signatories as weight: either a number
    (``signatories``) or a list of names (``names``), not both. Audited."""
    standard_text = standard_text.strip()
    if not standard_text:
        raise ValidationError(_("Give the petition's standard text."), code="text_required")
    if channel not in PETITION_CHANNELS:
        raise ValidationError(
            _("A petition is entered as received by email, post or fax."), code="channel"
        )
    if timezone.is_naive(received_at):
        raise ValidationError(_("Give the date received with its time zone."), code="naive")
    if received_at > timezone.now():
        raise ValidationError(_("The date received cannot be in the future."), code="future")
    if (signatories is None) == (names is None):
        raise ValidationError(
            _("Give the number of signatories or upload the list of names, not both."),
            code="signatories_source",
        )
    count = len(names.names) if names is not None else int(signatories or 0)
    if not 1 <= count <= MAX_SIGNATORIES:
        raise ValidationError(
            _("The number of signatories must be from 1 to %(max)s."),
            code="signatories_range",
            params={"max": f"{MAX_SIGNATORIES:,}"},
        )
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    group = CampaignGroup.objects.create(
        consultation=consultation,
        label=_next_label(consultation),
        size=1,
        representative_text=standard_text,
        confirmed=True,
    )
    now = timezone.now()
    submission = Submission.objects.create(
        consultation=consultation,
        reference=_reference_allocate(consultation),
        state=SubmissionState.SUBMITTED,
        respondent_type=RespondentType.ORGANISATION if organisation_name.strip() else "",
        organisation_name=organisation_name.strip(),
        # The standard text is published once, with its count; no signatory is ever named.
        consent=Consent.RESPONSE_ONLY,
        created_at=now,
        updated_at=now,
        submitted_at=received_at,
        received_at=received_at,
        is_late=received_at >= consultation.closes_at,
        channel=channel,
        entered_by=actor,
        signatories=count,
        campaign_group=group,
    )
    petition = Petition.objects.create(
        submission=submission,
        standard_text=standard_text,
        signatories_source=(SignatoriesSource.NUMBER if names is None else SignatoriesSource.LIST),
        list_name=list_name[:255],
        list_duplicates=len(names.duplicates) if names is not None else 0,
        created_at=now,
        created_by=actor,
    )
    if names is not None:
        PetitionSignatory.objects.bulk_create(
            (
                PetitionSignatory(petition=petition, name=name, name_key=signatory_key(name))
                for name in names.names
            ),
            batch_size=5000,
        )
    ReviewEvent.objects.bulk_create(
        [
            ReviewEvent(
                submission=submission,
                actor=actor,
                at=now,
                field=FIELD_PETITION,
                new_value=_petition_summary(petition, count),
                reason=note,
            ),
            ReviewEvent(
                submission=submission,
                actor=actor,
                at=now,
                field=FIELD_CAMPAIGN,
                old_value="",
                new_value=f"{group.label} ({_('confirmed')})",
                reason=note,
            ),
        ]
    )
    return petition


def _petition_summary(petition: Petition, count: int) -> str:
    if petition.signatories_source == SignatoriesSource.LIST:
        return _(
            "%(count)s signatories counted from the list %(list)s (%(repeats)s repeated names "
            "not counted)"
        ) % {"count": count, "list": petition.list_name, "repeats": petition.list_duplicates}
    return _("%(count)s signatories entered as a number") % {"count": count}


def petition_group_ids(consultation: Consultation) -> Sequence[int]:
    """The campaign groups that hold a petition: campaign detection leaves them as they are."""
    return list(
        CampaignGroup.objects.filter(
            consultation=consultation, submissions__petition__isnull=False
        ).values_list("pk", flat=True)
    )
