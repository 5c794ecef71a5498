"""A small hand-made consultation for the report tests: every figure can be worked out by hand.

Eight counted respondents (ids 1-8) answer seven questions. Rows that must be ignored are mixed
in: answers of submission 99, which is not counted, and a choice of Q3 given as an answer to Q1.
tests/reports/summary/test_compute.py writes out every figure this data gives.
"""

from __future__ import annotations

import datetime as dt

from reports.summary.inputs import (
    EXCLUSION_REASONS,
    ChoiceMeta,
    Condition,
    ConsultationMeta,
    Option,
    QuestionMeta,
    ReportInputs,
    SectionMeta,
    Snapshot,
    Text,
    answers_frame,
    check_sha256,
    respondents_frame,
    texts_frame,
    themes_frame,
)

HKT = dt.timezone(dt.timedelta(hours=8))
AS_OF = dt.datetime(2026, 4, 12, 23, 59, tzinfo=HKT)
UPDATED = dt.datetime(2026, 4, 1, 10, 0, tzinfo=HKT)

SCOPE = SectionMeta(order=1, title=Text("Scope of the regime", "規管範圍"))
REQUIREMENTS = SectionMeta(order=2, title=Text("Requirements", "規定"))

AGREE = tuple(
    ChoiceMeta(101 + i, value, Text(en, zh))
    for i, (value, en, zh) in enumerate(
        [
            ("strongly_agree", "Strongly agree", "非常同意"),
            ("agree", "Agree", "同意"),
            ("neutral", "Neither agree nor disagree", "既不同意也不反對"),
            ("disagree", "Disagree", "不同意"),
            ("strongly_disagree", "Strongly disagree", "非常不同意"),
        ]
    )
)
CHANNELS = (
    ChoiceMeta(201, "shop", Text("Shops", "實體店舖")),
    ChoiceMeta(202, "atm", Text("Automated machines", "自動櫃員機")),
    ChoiceMeta(203, "online", Text("Apps and websites", "應用程式及網站")),
)
YES_NO = (
    ChoiceMeta(301, "yes", Text("Yes", "是")),
    ChoiceMeta(302, "no", Text("No", "否")),
    ChoiceMeta(303, "unsure", Text("Not sure", "不確定")),
)
REGULATORS = (
    ChoiceMeta(601, "sfc", Text("The SFC", "證監會")),
    ChoiceMeta(602, "customs", Text("Customs", "海關")),
    ChoiceMeta(603, "other", Text("Another body", "其他機構")),
)

QUESTIONS = (
    QuestionMeta(
        1,
        "Q1",
        "agree",
        1,
        SCOPE,
        Text("Should OTC dealing be licensed?", "應否規管場外交易？"),
        AGREE,
    ),
    QuestionMeta(
        2, "Q2", "multiple", 2, SCOPE, Text("Which channels?", "涵蓋哪些渠道？"), CHANNELS
    ),
    QuestionMeta(3, "Q3", "yes_no_unsure", 3, SCOPE, Text("Cover escrow?", "涵蓋託管？"), YES_NO),
    QuestionMeta(
        4,
        "Q4",
        "text",
        4,
        SCOPE,
        Text("What safeguards for escrow?", "託管應有何保障？"),
        condition=Condition(question_id=3, question_code="Q3", choice_id=301, choice_value="yes"),
    ),
    QuestionMeta(5, "Q5", "number", 5, REQUIREMENTS, Text("How many staff?", "員工人數？")),
    QuestionMeta(
        6, "Q6", "single", 6, REQUIREMENTS, Text("Which regulator?", "哪個監管機構？"), REGULATORS
    ),
    QuestionMeta(7, "Q7", "text", 7, REQUIREMENTS, Text("Other comments?", "其他意見？")),
)

CATEGORIES = (
    Option("public", Text("Member of the public", "公眾人士")),
    Option("bank", Text("Bank", "銀行")),
    Option("association", Text("Industry association or chamber", "業界組織或商會")),
)
TYPES = (
    Option("individual", Text("An individual", "個人")),
    Option("organisation", Text("On behalf of an organisation", "代表機構")),
)
CONSENTS = (
    Option("name_and_response", Text("Publish my name and my response", "公開姓名及回應")),
    Option("response_only", Text("Publish my response without my name", "只公開回應")),
    Option("confidential", Text("Do not publish my response (confidential)", "保密")),
)

META = ConsultationMeta(
    slug="otc-test",
    reference_prefix="OTC",
    title=Text("Consultation on licensing OTC dealing", "場外交易發牌制度諮詢"),
    opens_at=dt.datetime(2026, 2, 8, 0, 0, tzinfo=HKT),
    closes_at=dt.datetime(2026, 4, 12, 23, 59, tzinfo=HKT),
    questions=QUESTIONS,
    categories=CATEGORIES,
    respondent_types=TYPES,
    consents=CONSENTS,
    campaigns_confirmed={"C1": True},
)

# The columns of reports.summary.inputs.RESPONDENT_COLUMNS.
RESPONDENTS = [
    (1, "individual", "public", "response_only", False, None, None, "en"),
    (2, "individual", "public", "name_and_response", False, None, "Chan Tai Man", "zh-hant"),
    (3, "organisation", "bank", "name_and_response", False, None, "Harbour Bank Limited", "en"),
    (4, "organisation", "bank", "confidential", False, None, None, "en"),
    (5, "organisation", "association", "response_only", True, None, None, "en"),
    (6, "individual", "public", "confidential", False, "C1", None, "zh-hant"),
    (7, "individual", "public", "response_only", False, "C1", None, "en"),
    (
        8,
        "organisation",
        "association",
        "name_and_response",
        False,
        None,
        "HK Dealers Association",
        "en",
    ),
]

_CHOICE = {
    (code, choice.value): choice.id
    for code, choices in (("Q1", AGREE), ("Q2", CHANNELS), ("Q3", YES_NO), ("Q6", REGULATORS))
    for choice in choices
}
_QUESTION = {question.code: question.id for question in QUESTIONS}


def _pick(submission: int, code: str, value: str) -> tuple[int, int, int, None]:
    return (submission, _QUESTION[code], _CHOICE[(code, value)], None)


ANSWERS = [
    # Q1 (agree): 8 gives no valid answer.
    _pick(1, "Q1", "strongly_agree"),
    _pick(2, "Q1", "agree"),
    _pick(3, "Q1", "agree"),
    _pick(4, "Q1", "disagree"),
    _pick(5, "Q1", "strongly_disagree"),
    _pick(6, "Q1", "agree"),
    _pick(7, "Q1", "agree"),
    (8, 1, 301, None),  # a choice of Q3 given for Q1: not an answer to Q1
    (99, 1, 102, None),  # submission 99 is not counted
    # Q2 (multiple): 5 and 7 do not answer.
    _pick(1, "Q2", "shop"),
    _pick(1, "Q2", "atm"),
    _pick(2, "Q2", "shop"),
    _pick(3, "Q2", "online"),
    _pick(4, "Q2", "shop"),
    _pick(4, "Q2", "atm"),
    _pick(4, "Q2", "online"),
    _pick(6, "Q2", "atm"),
    _pick(8, "Q2", "shop"),
    (99, 2, 201, None),
    # Q3 (yes / no / unsure): everyone answers.
    _pick(1, "Q3", "yes"),
    _pick(2, "Q3", "yes"),
    _pick(3, "Q3", "no"),
    _pick(4, "Q3", "unsure"),
    _pick(5, "Q3", "yes"),
    _pick(6, "Q3", "yes"),
    _pick(7, "Q3", "no"),
    _pick(8, "Q3", "yes"),
    # Q5 (number)
    (1, 5, None, 10),
    (2, 5, None, 250),
    (3, 5, None, 5000),
    (4, 5, None, 0),
    (6, 5, None, 75),
    (99, 5, None, 1_000_000),
    # Q6 (single): 6 does not answer.
    _pick(1, "Q6", "sfc"),
    _pick(2, "Q6", "sfc"),
    _pick(3, "Q6", "customs"),
    _pick(4, "Q6", "sfc"),
    _pick(5, "Q6", "other"),
    _pick(7, "Q6", "sfc"),
    _pick(8, "Q6", "customs"),
]

INVESTORS, COST, COSTS = 11, 12, 13
THEMES = [
    (INVESTORS, "Investor protection", "投資者保障", None),
    (COST, "Compliance cost", "合規成本", COSTS),
    (COSTS, "Costs", "成本", None),
]

CONFIDENTIAL_TEXT = "CONFIDENTIAL: compliance costs will be too high for small shops."
ESCAPED_TEXT = "<b>Small operators</b> face high compliance costs & need a longer transition."
TEXTS = [
    # Q4, shown to those answering "yes" at Q3 (1, 2, 5, 6, 8); 8 wrote only spaces.
    (1, 4, "Escrowed assets must be kept in segregated wallets with daily reconciliation.", ()),
    (2, 4, "託管資產必須存放於獨立錢包，並每日進行對賬，以保障客戶資產安全。", ()),
    (5, 4, "Escrow should be limited to a few hours and covered by insurance.", ()),
    (6, 4, "Escrow must be banned outright.", ()),
    (8, 4, "   ", ()),
    # Q7
    (
        1,
        7,
        "The licensing regime should protect retail investors from unlicensed dealers.",
        (INVESTORS,),
    ),
    (2, 7, "本人支持設立發牌制度，以保障投資者的權益，並打擊無牌經營的交易商。", (INVESTORS,)),
    (
        3,
        7,
        "Retail investors need clear risk warnings before every trade at a shop.",
        (INVESTORS, COST),
    ),
    (4, 7, CONFIDENTIAL_TEXT, (COST,)),
    (
        5,
        7,
        "Compliance costs must be proportionate for small operators; retail investors also "
        "benefit from competition.",
        (COST,),
    ),
    (7, 7, "Protect retail investors now! Protect retail investors now!", ()),
    (8, 7, ESCAPED_TEXT, (COST,)),
    (99, 7, "Not counted: retail investors retail investors.", (INVESTORS,)),
]

# As the loader reads a consultation that does not require email confirmation: no "unconfirmed".
EXCLUDED = {reason: 0 for reason in EXCLUSION_REASONS if reason != "unconfirmed"} | {
    "withdrawn": 2,
    "spam": 1,
    "after_cutoff": 3,
}


def handmade_inputs() -> ReportInputs:
    """The hand-made consultation as report inputs."""
    return ReportInputs(
        meta=META,
        respondents=respondents_frame(RESPONDENTS),
        answers=answers_frame(ANSWERS),
        texts=texts_frame(TEXTS),
        themes=themes_frame(THEMES),
        snapshot=Snapshot(
            count=len(RESPONDENTS),
            sha256=check_sha256((row[0], UPDATED) for row in RESPONDENTS),
            as_of=AS_OF,
            excluded=EXCLUDED,
        ),
    )
