"""The hand-made consultation (datasets.py) with a petition and channels, worked out by hand.

Respondent 9 is a petition received by post: one record of 500 signatories in the confirmed
campaign P1, an organisation in the "association" category, agreeing at Q1 and answering
nothing else. Respondent 3 wrote by email, 5 (the late one) by fax; everyone else used the form.
C1 (6 and 7) is a detected campaign a reviewer confirmed.

With weights: N = 8 + 500 = 508 submissions, 9 records; M = 2 + 500 = 502 in K = 2 campaigns;
P = 1 + 500 + 1 = 502 received by email, post or fax; L = 1 late.
"""

from __future__ import annotations

from dataclasses import replace

from reports.summary.inputs import (
    ReportInputs,
    answers_frame,
    check_sha256,
    respondents_frame,
)
from tests.reports.summary.datasets import ANSWERS, META, RESPONDENTS, UPDATED, handmade_inputs

PETITION_ID = 9
SIGNATORIES = 500
PETITION_TEXT = "Licence every OTC shop now, and protect small investors."
C1_TEXT = "Protect retail investors now!"
CHANNEL_OF = {3: "email", 5: "fax", PETITION_ID: "post"}


def petition_inputs(*, signatories: int = SIGNATORIES) -> ReportInputs:
    inputs = handmade_inputs()
    rows = [(*row, 1, CHANNEL_OF.get(row[0], "web")) for row in RESPONDENTS]
    rows.append(
        (
            PETITION_ID,
            "organisation",
            "association",
            "response_only",
            False,
            "P1",
            None,
            "en",
            signatories,
            "post",
        )
    )
    meta = replace(
        META,
        campaigns_confirmed={"C1": True, "P1": True},
        campaign_texts={"C1": C1_TEXT, "P1": PETITION_TEXT},
    )
    # The petition agrees at Q1 (choice 102, "agree").
    answers = [*ANSWERS, (PETITION_ID, 1, 102, None)]
    return replace(
        inputs,
        meta=meta,
        respondents=respondents_frame(rows),
        answers=answers_frame(answers),
        snapshot=replace(
            inputs.snapshot,
            count=len(rows),
            sha256=check_sha256((row[0], UPDATED) for row in rows),
        ),
    )
