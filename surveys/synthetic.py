"""Synthetic submitted responses for an existing consultation (``manage.py generate_responses``).

Used to fill a demo and to load-test reports with realistic data. The model is deliberately small:

* Each respondent has a latent *support* score for the proposals: the mean of their category
  (``CATEGORY_PROFILES``: OTC shops and online platforms lean against, consumer groups, banks and
  licensed platforms lean in favour) plus personal noise. Agreeing, answering "yes" and picking the
  earlier options of a single choice all count as support.
* Each question gets a few parameters drawn once per run (how strongly it follows support, how
  popular it is overall, how noisy it is), so questions differ without a per-question table.
* Conditional questions are answered only when the respondent's earlier answer meets the condition;
  optional questions are skipped at a rate that varies by respondent; required ones never are.
* About 5 % of respondents (when there are at least 20) belong to one to three campaigns: they share
  one stance and paste a near-identical standard text into every free-text question.

Output is a function of (seed, count, batch_size) and the consultation's questions: the same seed on
a fresh database gives the same references, respondents, answers, texts and timestamps. Only numpy
Generators seeded from ``seed`` are used, never the global random state; the current time decides
only whether the consultation has closed (see ``_submission_window``).

Rows are written a batch at a time, each batch in its own transaction, so memory stays bounded: on
PostgreSQL submissions go in with ``bulk_create`` (which returns their ids) and answers with COPY;
other databases use ``bulk_create`` for both.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connections, router, transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from surveys.models import (
    Answer,
    Choice,
    Consent,
    Consultation,
    Question,
    QuestionKind,
    RespondentCategory,
    RespondentType,
    ReviewStatus,
    Submission,
    SubmissionState,
)
from surveys.scales import STANDARD_CHOICES
from surveys.services import journey_load

DEFAULT_BATCH_SIZE = 5000

# --- The respondent mix --------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryProfile:
    category: str
    support: float  # mean latent support for the proposals; 0 is indifferent
    individual_weight: float  # relative share among individuals
    organisation_weight: float  # relative share among organisations


CATEGORY_PROFILES: tuple[CategoryProfile, ...] = (
    CategoryProfile(RespondentCategory.PUBLIC, 0.5, 80, 0),
    CategoryProfile(RespondentCategory.OTC_SHOP, -1.0, 3, 16),
    CategoryProfile(RespondentCategory.ONLINE_PLATFORM, -0.8, 2, 15),
    CategoryProfile(RespondentCategory.LICENSED_PLATFORM, 0.7, 0, 7),
    CategoryProfile(RespondentCategory.LICENSED_CORPORATION, 0.4, 2, 8),
    CategoryProfile(RespondentCategory.BANK, 0.8, 1, 6),
    CategoryProfile(RespondentCategory.PAYMENTS, -0.2, 1, 7),
    CategoryProfile(RespondentCategory.CUSTODIAN, 0.1, 1, 7),
    CategoryProfile(RespondentCategory.ASSET_MANAGER, 0.2, 2, 6),
    CategoryProfile(RespondentCategory.ASSOCIATION, -0.4, 0, 8),
    CategoryProfile(RespondentCategory.PROFESSIONAL_FIRM, 0.1, 3, 8),
    CategoryProfile(RespondentCategory.ACADEMIC, 0.4, 3, 3),
    CategoryProfile(RespondentCategory.CONSUMER_GROUP, 1.0, 0, 4),
    CategoryProfile(RespondentCategory.OTHER, 0.0, 3, 5),
)

INDIVIDUAL_SHARE = 0.6
CHINESE_SHARE = 0.35
CONSENT_WEIGHTS: dict[str, float] = {
    Consent.NAME_AND_RESPONSE: 0.45,
    Consent.RESPONSE_ONLY: 0.38,
    Consent.CONFIDENTIAL: 0.17,
}
CAMPAIGN_SHARE = 0.05
CAMPAIGN_MIN_COUNT = 20  # fewer responses than this get no campaign
CAMPAIGN_MIN_SIZE = 3
# Options that mean "none of these" or "no view": unpopular, outside the support ordering, and in a
# multiple choice selected alone.
OPT_OUT_VALUES = frozenset({"none", "no_view", "no_preference", "other", "unsure"})
EXCLUSIVE_VALUES = frozenset({"none"})

# --- Names ---------------------------------------------------------------------------------------
# (Chinese, Cantonese romanisation) pairs, combined so that names vary without naming anyone real.

SURNAMES = (
    ("陳", "Chan"), ("黃", "Wong"), ("李", "Lee"), ("張", "Cheung"), ("劉", "Lau"), ("何", "Ho"),
    ("吳", "Ng"), ("梁", "Leung"), ("林", "Lam"), ("葉", "Yip"), ("曾", "Tsang"), ("周", "Chow"),
    ("郭", "Kwok"), ("麥", "Mak"), ("馮", "Fung"), ("鄧", "Tang"), ("楊", "Yeung"), ("蕭", "Siu"),
    ("羅", "Lo"), ("潘", "Poon"), ("鄭", "Cheng"), ("謝", "Tse"), ("蔡", "Choi"), ("許", "Hui"),
    ("蘇", "So"), ("余", "Yu"), ("袁", "Yuen"), ("區", "Au"), ("盧", "Lo"), ("關", "Kwan"),
)  # fmt: skip
GIVEN_SYLLABLES = (
    ("志", "Chi"), ("明", "Ming"), ("家", "Ka"), ("豪", "Ho"), ("嘉", "Ka"), ("欣", "Yan"),
    ("偉", "Wai"), ("強", "Keung"), ("詠", "Wing"), ("詩", "Sze"), ("子", "Tsz"), ("軒", "Hin"),
    ("凱", "Hoi"), ("琳", "Lam"), ("俊", "Chun"), ("傑", "Kit"), ("美", "Mei"), ("玲", "Ling"),
    ("慧", "Wai"), ("儀", "Yee"), ("文", "Man"), ("華", "Wah"), ("雅", "Nga"), ("穎", "Wing"),
    ("浩", "Ho"), ("朗", "Long"), ("曉", "Hiu"), ("敏", "Man"), ("晴", "Ching"), ("卓", "Cheuk"),
    ("健", "Kin"), ("樂", "Lok"), ("瑩", "Ying"), ("振", "Chun"), ("宇", "Yu"), ("心", "Sum"),
)  # fmt: skip
ENGLISH_GIVEN = (
    "Kelvin", "Karen", "Ivan", "Winnie", "Jason", "Cherry", "Alan", "Vivian", "Eric", "Queenie",
    "Raymond", "Janice", "Patrick", "Fiona", "Terence", "Gigi", "Marco", "Iris", "Samuel", "Joyce",
    "Wilson", "Carmen", "Derek", "Phoebe", "Hugo", "Mandy", "Brian", "Stephanie", "Victor", "Ada",
    "Ken", "Yvonne", "Dicky", "Tiffany", "Jacky", "Sharon", "Gordon", "Priscilla", "Matthew",
)  # fmt: skip
OTHER_GIVEN = ("James", "Priya", "Daniel", "Aisha", "Kenji", "Sofia", "Arjun", "Hannah", "Luca")
OTHER_SURNAMES = ("Patel", "Fernandes", "Tanaka", "Khan", "Nguyen", "Santos", "Clarke", "Ramos")
NON_CHINESE_NAME_SHARE = 0.07
PERSONAL_DOMAINS = ("example.com", "example.hk", "mail.example.com", "example.net", "example.org")
ORGANISATION_TLDS = ("example.hk", "example.com")

ORGANISATION_PREFIXES = (
    ("Harbour", "海港"), ("Victoria", "維港"), ("Lion Rock", "獅子山"), ("Jade", "翡翠"),
    ("Pearl", "明珠"), ("Kowloon", "九龍"), ("Orient", "東方"), ("Golden Peak", "金峰"),
    ("Bauhinia", "紫荊"), ("Silver Bay", "銀灣"), ("Dragon Gate", "龍門"), ("Lantau", "大嶼"),
    ("Crystal", "水晶"), ("Evergreen", "長青"), ("Horizon", "天際"), ("Sunrise", "旭日"),
    ("Phoenix", "鳳凰"), ("Blue Sea", "藍海"), ("Starlight", "星光"), ("Kai Tak", "啟德"),
    ("Lotus", "蓮花"), ("Maple", "楓葉"), ("Nova", "新星"), ("Quantum", "量子"),
    ("Meridian", "子午"), ("Cobalt", "鈷藍"), ("Tai Ping", "太平"), ("Sai Kung", "西貢"),
)  # fmt: skip
ORGANISATION_MIDDLES = (("", ""), ("", ""), ("Asia", "亞洲"), ("Digital", "數碼"), ("Tech", "科技"))
# (English, Chinese, takes a company suffix) per category.
ORGANISATION_NOUNS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    RespondentCategory.OTC_SHOP: (
        ("Coin Exchange", "貨幣兌換", True), ("Crypto Counter", "加密貨幣找換店", True),
        ("Token Kiosk", "代幣服務站", True), ("Bit Change", "比特兌換", True),
    ),
    RespondentCategory.ONLINE_PLATFORM: (
        ("Crypto OTC", "加密場外交易", True), ("Token Desk", "代幣交易台", True),
        ("Coin Market", "幣市", True), ("Digital Trading", "數字交易", True),
    ),
    RespondentCategory.LICENSED_PLATFORM: (
        ("Digital Asset Exchange", "數字資產交易所", True), ("VA Markets", "虛擬資產市場", True),
    ),
    RespondentCategory.LICENSED_CORPORATION: (
        ("Securities", "證券", True), ("Capital Markets", "資本市場", True),
        ("Brokerage", "經紀", True),
    ),
    RespondentCategory.BANK: (
        ("Banking Corporation", "銀行", True), ("Commercial Bank", "商業銀行", True),
    ),
    RespondentCategory.PAYMENTS: (
        ("Pay", "支付", True), ("Remit", "匯款", True), ("Money Services", "找換服務", True),
    ),
    RespondentCategory.CUSTODIAN: (
        ("Custody", "託管", True), ("Vault", "保管庫", True), ("Key Management", "密鑰管理", True),
    ),
    RespondentCategory.ASSET_MANAGER: (
        ("Asset Management", "資產管理", True), ("Investment Management", "投資管理", True),
    ),
    RespondentCategory.ASSOCIATION: (
        ("Digital Asset Association", "數字資產協會", False),
        ("Fintech Association", "金融科技協會", False),
        ("Virtual Asset Chamber", "虛擬資產商會", False),
    ),
    RespondentCategory.PROFESSIONAL_FIRM: (
        ("Legal Advisory", "法律顧問", True), ("Risk Consulting", "風險顧問", True),
        ("CPA", "會計師事務所", True),
    ),
    RespondentCategory.ACADEMIC: (
        ("Institute of Digital Finance", "數字金融研究所", False),
        ("Fintech Policy Centre", "金融科技政策中心", False),
    ),
    RespondentCategory.CONSUMER_GROUP: (
        ("Investors' Alliance", "投資者聯盟", False),
        ("Consumer Rights Concern Group", "消費者權益關注組", False),
    ),
    RespondentCategory.OTHER: (
        ("Holdings", "控股", True), ("Blockchain Labs", "區塊鏈實驗室", True),
    ),
}  # fmt: skip
COMPANY_SUFFIXES = (
    ("Limited", "有限公司"),
    ("Company Limited", "有限公司"),
    ("(Hong Kong) Limited", "（香港）有限公司"),
    ("Group Limited", "集團有限公司"),
)
CATEGORY_OTHER_TEXTS = (
    ("Crypto mining business", "加密貨幣挖礦業務"),
    ("Blockchain software developer", "區塊鏈軟件開發商"),
    ("Retired banker", "退休銀行從業員"),
    ("University student", "大學生"),
    ("Family office", "家族辦公室"),
    ("Web3 start-up", "Web3 初創企業"),
    ("Property agency accepting crypto", "接受加密貨幣的地產代理"),
    ("Compliance trainer", "合規培訓導師"),
)

# --- Free text -----------------------------------------------------------------------------------
# Slots: {We}/{we}/{our} (I/my for individuals), {verb} and {reason} follow the stance.

TEXT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "en": (
        "{We} {verb} {topic} because {reason}. {We} would ask the Government to {suggestion}.",
        "{We} {verb} {topic}. In {our} experience, {reason}.",
        "Overall, {we} {verb} {topic}. {Reason}. {We} also suggest that the authorities "
        "{suggestion}.",
        "{Reason}. For this reason {we} {verb} {topic}.",
        "Regarding {topic}: {we} {verb} it, since {reason}. A practical step would be to "
        "{suggestion}.",
        "{We} have worked in this sector for {years} years. {We} {verb} {topic}; {reason}.",
        "{We} {verb} {topic}, but the details matter. Please {suggestion}, and consult the "
        "industry again on the draft rules.",
        "Short comment: {we} {verb} {topic}. {Reason}.",
        "{We} estimate the cost of compliance at about {amount} a year. {We} {verb} {topic} "
        "because {reason}.",
        "{We} {verb} {topic}. {Reason}. {We} urge the regulator to {suggestion} within {period}.",
    ),
    "zh-hant": (
        "{we}{verb}{topic}，因為{reason}。{we}促請政府{suggestion}。",
        "{we}{verb}{topic}。根據{we}的經驗，{reason}。",
        "整體而言，{we}{verb}{topic}。{reason}。{we}亦建議當局{suggestion}。",
        "{reason}，因此{we}{verb}{topic}。",
        "關於{topic}：{we}{verb}有關建議，原因是{reason}。較實際的做法是{suggestion}。",
        "{we}在業界工作了{years}年。{we}{verb}{topic}；{reason}。",
        "{we}{verb}{topic}，但細節十分重要。請{suggestion}，並就規則草擬本再諮詢業界。",
        "簡短意見：{we}{verb}{topic}。{reason}。",
        "{we}估計每年合規成本約為{amount}。{we}{verb}{topic}，因為{reason}。",
        "{we}{verb}{topic}。{reason}。{we}促請監管機構在{period}內{suggestion}。",
    ),
}
# Stance index: 0 against, 1 mixed, 2 in favour.
TEXT_VERBS = {
    "en": (
        ("have serious concerns about", "do not support", "object to", "question the need for"),
        ("partly agree with", "have mixed views on", "see some merit in"),
        ("support", "welcome", "broadly agree with", "fully support"),
    ),
    "zh-hant": (
        ("反對", "不支持", "質疑", "不認同"),
        ("部分同意", "有保留地支持", "對此有不同看法，但不反對"),
        ("支持", "歡迎", "大致同意", "全力支持"),
    ),
}
TEXT_REASONS = {
    "en": (
        (
            "the compliance cost will force small operators to close",
            "it will push customers to unregulated overseas platforms",
            "the timetable is unrealistic for existing businesses",
            "the rules duplicate existing anti-money laundering obligations",
        ),
        (
            "the aims are right but the detail is still unclear",
            "some requirements are sensible while others go too far",
            "much depends on how the rules are applied in practice",
        ),
        (
            "it will protect retail investors",
            "it closes a gap that fraudsters have exploited",
            "it brings Hong Kong in line with other major financial centres",
            "it will restore public confidence after recent frauds",
        ),
    ),
    "zh-hant": (
        (
            "合規成本會迫使小型營運者結業",
            "這會把客戶推向不受監管的海外平台",
            "時間表對現有業務並不切實際",
            "有關規定與現有的反洗錢責任重疊",
        ),
        (
            "方向正確但細節仍不清晰",
            "部分要求合理，但部分要求過於嚴苛",
            "實際效果取決於規則如何執行",
        ),
        (
            "這能保障散戶投資者",
            "這可堵塞騙徒一直利用的漏洞",
            "這使香港與其他主要金融中心看齊",
            "這有助在近年的詐騙案後重建公眾信心",
        ),
    ),
}
TEXT_SLOTS = {
    "en": {
        "topic": (
            "the licensing proposal", "the proposed requirements", "the capital requirement",
            "the transition arrangements", "the wallet verification rule",
            "the customer due diligence requirements", "the record-keeping obligations",
            "the proposed penalties",
        ),
        "suggestion": (
            "publish detailed guidelines before the regime starts",
            "allow a longer transition period for existing operators",
            "set up an industry working group", "waive the licence fee for the first year",
            "clarify how the rules apply to stablecoins", "coordinate closely with the HKMA",
            "take a risk-based approach to small transactions",
        ),
        "amount": ("HK$200,000", "HK$500,000", "HK$1 million", "HK$3 million", "HK$8 million"),
        "period": ("six months", "12 months", "18 months", "two years"),
        "pronouns": (("I", "I", "my"), ("We", "we", "our")),
        "closing": (
            "", "", "Thank you for the opportunity to comment.",
            "{We} would be glad to discuss this with officials.",
            "Hong Kong should stay competitive as a virtual-asset hub.",
            "Clear rules will help honest operators.", "Please publish the conclusions promptly.",
            "{We} hope {our} views will be taken into account.",
        ),
        "separator": " ",
    },
    "zh-hant": {
        "topic": (
            "發牌制度建議", "擬議的監管要求", "資本要求", "過渡安排", "錢包核實規定",
            "客戶盡職審查要求", "備存紀錄的責任", "擬議罰則",
        ),
        "suggestion": (
            "在制度實施前公布詳細指引", "給予現有營運者較長的過渡期", "成立業界工作小組",
            "首年豁免牌照費", "釐清規則如何適用於穩定幣", "與金管局緊密協調",
            "對小額交易採用風險為本的方法",
        ),
        "amount": ("20萬港元", "50萬港元", "100萬港元", "300萬港元", "800萬港元"),
        "period": ("六個月", "十二個月", "十八個月", "兩年"),
        "pronouns": (("本人", "本人", "本人"), ("我們", "我們", "我們")),
        "closing": (
            "", "", "感謝當局給予表達意見的機會。", "{we}樂意與官員進一步討論。",
            "香港應保持作為虛擬資產中心的競爭力。", "清晰的規則有助誠實經營的業者。",
            "請盡快公布諮詢總結。", "希望當局考慮{our}的意見。",
        ),
        "separator": "",
    },
}  # fmt: skip

# Standard campaign texts by (stance, language); {strongly} and {urge} vary a little per signer.
CAMPAIGN_TEXTS: dict[tuple[str, str], tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    ("against", "en"): (
        "I am one of many customers who rely on local OTC shops. I {strongly} oppose the proposal "
        "in its current form. The requirements are far too costly for small shops, and customers "
        "will simply move to unregulated channels. I {urge} the Government to withdraw the "
        "proposal and hold a proper consultation with the industry.",
        ("strongly", "firmly", "totally"),
        ("urge", "call on", "ask"),
    ),
    ("against", "zh-hant"): (
        "本人是經常使用本地場外交易店的市民。本人{strongly}反對現時的建議。有關要求對小店而言成本"
        "太高，客戶只會轉往不受監管的渠道。本人{urge}政府撤回建議，並與業界進行真正的諮詢。",
        ("強烈", "堅決", "極力"),
        ("促請", "要求", "呼籲"),
    ),
    ("for", "en"): (
        "As a member of the public, I {strongly} support licensing every business that trades "
        "virtual assets with the public. Too many people have lost their savings to unlicensed "
        "dealers. I {urge} the Government to introduce the regime without delay and to enforce it "
        "firmly.",
        ("strongly", "fully", "wholeheartedly"),
        ("urge", "call on", "ask"),
    ),
    ("for", "zh-hant"): (
        "作為普通市民，本人{strongly}支持為所有向公眾提供虛擬資產交易的業務發牌。太多市民因無牌"
        "交易商而損失積蓄。本人{urge}政府盡快實施制度並嚴格執法。",
        ("強烈", "全力", "衷心"),
        ("促請", "要求", "呼籲"),
    ),
}

# --- Plans: what is decided once per run ---------------------------------------------------------


@dataclass(frozen=True)
class QuestionPlan:
    """A question as the generator sees it, with its stance parameters for this run."""

    id: int
    kind: str  # agree / yes-no scales with non-standard choices are treated as single choice
    required: bool
    max_length: int
    choice_ids: tuple[int, ...]
    choice_values: tuple[str, ...]
    condition_question_id: int | None
    condition_choice_id: int | None
    min_value: int | None
    max_value: int | None
    loading: float  # how strongly the answer follows support
    offset: float  # overall popularity of agreeing / answering yes
    noise: float  # spread of individual opinion
    skip_factor: float  # free text is left blank more often than a tick box
    choice_base: np.ndarray  # popularity of each choice
    choice_slope: np.ndarray  # how each choice follows support
    number_centre: float  # where in the (log) range numbers cluster, 0..1


@dataclass(frozen=True)
class Campaign:
    stance: str  # "for" or "against"
    language: str
    category: str
    support: float


def _questions_plan(consultation: Consultation, rng: np.random.Generator) -> list[QuestionPlan]:
    questions = (
        Question.objects.filter(consultation=consultation)
        .order_by("order")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order")))
    )
    plans = []
    for question in questions:
        choices = list(question.choices.all())
        values = tuple(choice.value for choice in choices)
        kind = question.kind
        standard = STANDARD_CHOICES.get(kind)
        if standard is not None and set(values) != {value for value, _, _ in standard}:
            kind = QuestionKind.SINGLE
        n = len(values)
        opt_out = np.array([value in OPT_OUT_VALUES for value in values], dtype=bool)
        base = rng.normal(0.0, 0.6, n) - 1.3 * opt_out
        if kind == QuestionKind.MULTIPLE:
            slope = rng.normal(0.0, 0.8, n)
        else:
            # Earlier options count as more supportive (demo papers list the strictest first).
            position = np.linspace(1.0, -1.0, n) if n > 1 else np.zeros(n)
            slope = rng.uniform(0.6, 1.4) * position * ~opt_out
        plans.append(
            QuestionPlan(
                id=question.pk,
                kind=kind,
                required=question.required,
                max_length=question.max_length,
                choice_ids=tuple(choice.pk for choice in choices),
                choice_values=values,
                condition_question_id=question.condition_question_id,
                condition_choice_id=question.condition_choice_id,
                min_value=question.min_value,
                max_value=question.max_value,
                loading=float(rng.uniform(0.6, 1.2)),
                offset=float(rng.normal(0.2, 0.4)),
                noise=float(rng.uniform(0.6, 0.9)),
                skip_factor=2.5 if kind == QuestionKind.TEXT else 1.0,
                choice_base=base,
                choice_slope=slope,
                number_centre=float(rng.uniform(0.3, 0.55)),
            )
        )
    return plans


def _campaigns_plan(count: int, rng: np.random.Generator) -> tuple[list[Campaign], list[int]]:
    """The campaigns of this run and how many respondents sign each."""
    if count < CAMPAIGN_MIN_COUNT:
        return [], []
    members = max(CAMPAIGN_MIN_SIZE, round(count * CAMPAIGN_SHARE))
    number = max(1, min(int(rng.integers(1, 4)), members // CAMPAIGN_MIN_SIZE))
    extra = rng.multinomial(members - CAMPAIGN_MIN_SIZE * number, rng.dirichlet(np.ones(number)))
    sizes = [CAMPAIGN_MIN_SIZE + int(n) for n in extra]
    campaigns = []
    for _ in range(number):
        against = bool(rng.random() < 0.5)
        stance = "against" if against else "for"
        categories = (RespondentCategory.PUBLIC, RespondentCategory.OTC_SHOP)
        category = categories[int(rng.random() < 0.3)] if against else RespondentCategory.PUBLIC
        language = "zh-hant" if rng.random() < 0.6 else "en"
        campaigns.append(Campaign(stance, language, category, -1.8 if against else 1.8))
    return campaigns, sizes


def _submission_window(consultation: Consultation) -> tuple[dt.datetime, dt.timedelta]:
    """Start and length of the period submissions fall in, never later than now.

    A closed consultation is spread over its whole period. An open one ends at the start of
    today (HKT), so that a rerun the same day gives the same timestamps; on its first day, at the
    start of the current minute.
    """
    now = timezone.now()
    if consultation.opens_at >= now:
        raise ValueError(f"{consultation.slug} has not opened yet: it cannot have responses.")
    end = consultation.closes_at
    if end > now:
        today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        end = today if today > consultation.opens_at else now.replace(second=0, microsecond=0)
    return consultation.opens_at, end - consultation.opens_at


def _arrival_plan(
    count: int, sizes: Sequence[int], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Time position (0..1 of the window) and campaign index (-1 none) of every respondent.

    Sorted by time, so references rise with the submission time. Most responses come towards the
    deadline; a campaign's signers arrive together over a few days.
    """
    members = sum(sizes)
    position = np.empty(count)
    campaign = np.full(count, -1, dtype=np.int64)
    start = 0
    for index, size in enumerate(sizes):
        centre = rng.uniform(0.3, 0.95)
        position[start : start + size] = rng.normal(centre, 0.03, size)
        campaign[start : start + size] = index
        start += size
    position[members:] = rng.beta(1.3, 0.8, count - members)
    position = np.clip(position, 0.0, 1.0 - 1e-9)
    order = np.argsort(position, kind="stable")
    return position[order], campaign[order]


# --- One batch: respondents and answers as plain data --------------------------------------------


@dataclass
class Respondents:
    """A batch of respondents as parallel arrays and lists (index = position in the batch)."""

    individual: np.ndarray
    in_campaign: np.ndarray
    category: list[str]
    language: list[str]
    support: np.ndarray
    noise_scale: np.ndarray  # campaign signers answer almost alike
    skip_rate: np.ndarray
    campaign_text: list[str | None]


@dataclass
class AnswerBlock:
    """The answers to one question from a whole batch."""

    slot: int  # the question's position in the paper (index into the plans)
    rows: np.ndarray  # respondents with a row, one entry per row
    choice_ids: np.ndarray | None = None  # closed kinds
    values: list | None = None  # texts or numbers
    multiple: bool = False


@dataclass
class AnswerRows:
    """Answer rows of a batch as columns, ordered by respondent then question."""

    position: list[int]  # respondent's index in the batch
    question_id: list[int]
    choice_id: list[int | None]
    multiple: list[bool]
    text: list[str]
    number: list[int | None]


def _pick(rng: np.random.Generator, n: int, weights: Sequence[float]) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _person_name(draw: np.ndarray, chinese: bool) -> tuple[str, str]:
    """A contact name and an e-mail local part from a row of random integers."""
    if draw[0] % 100 < NON_CHINESE_NAME_SHARE * 100:
        given = OTHER_GIVEN[draw[1] % len(OTHER_GIVEN)]
        surname = OTHER_SURNAMES[draw[2] % len(OTHER_SURNAMES)]
        return f"{given} {surname}", f"{given}.{surname}".lower()
    surname_zh, surname = SURNAMES[draw[1] % len(SURNAMES)]
    first_zh, first = GIVEN_SYLLABLES[draw[2] % len(GIVEN_SYLLABLES)]
    second_zh, second = GIVEN_SYLLABLES[draw[3] % len(GIVEN_SYLLABLES)]
    english = ENGLISH_GIVEN[draw[4] % len(ENGLISH_GIVEN)]
    style = draw[5] % 4
    if chinese and draw[6] % 4:
        name = f"{surname_zh}{first_zh}{second_zh}"
    elif style == 0:
        name = f"{english} {surname}"
    elif style == 1:
        name = f"{surname} {first} {second}"
    elif style == 2:
        name = f"{english} {surname} {first}-{second.lower()}"
    else:
        name = f"{first}-{second.lower()} {surname}"
    if style in (0, 2):
        local = f"{english}.{surname}"
    elif draw[7] % 2:
        local = f"{first}{second}.{surname}"
    else:
        local = f"{first[0]}{second[0]}{surname}"
    if draw[8] % 5 < 2:
        local += str(draw[8] % 90 + 10)
    return name, local.lower()


def _organisation_name(draw: np.ndarray, category: str, chinese: bool) -> tuple[str, str]:
    """An invented organisation name and a domain label for its e-mail addresses."""
    prefix, prefix_zh = ORGANISATION_PREFIXES[draw[9] % len(ORGANISATION_PREFIXES)]
    middle, middle_zh = ORGANISATION_MIDDLES[draw[10] % len(ORGANISATION_MIDDLES)]
    nouns = ORGANISATION_NOUNS[category]
    noun, noun_zh, company = nouns[draw[11] % len(nouns)]
    suffix, suffix_zh = COMPANY_SUFFIXES[draw[12] % len(COMPANY_SUFFIXES)]
    if chinese:
        name = f"{prefix_zh}{middle_zh}{noun_zh}" + (suffix_zh if company else "")
    else:
        name = " ".join(part for part in (prefix, middle, noun, suffix if company else "") if part)
    label = re.sub(r"[^a-z0-9]", "", f"{prefix}{middle}{noun.split()[0]}".lower())
    return name, label


def _respondents_draw(
    count: int, campaign_index: np.ndarray, campaigns: Sequence[Campaign], rng: np.random.Generator
) -> tuple[Respondents, list[dict[str, object]]]:
    """Who answers: the arrays the answers need, and the Submission fields about the respondent."""
    categories = [profile.category for profile in CATEGORY_PROFILES]
    in_campaign = campaign_index >= 0
    individual = (rng.random(count) < INDIVIDUAL_SHARE) | in_campaign
    by_individual = _pick(rng, count, [p.individual_weight for p in CATEGORY_PROFILES])
    by_organisation = _pick(rng, count, [p.organisation_weight for p in CATEGORY_PROFILES])
    category_index = np.where(individual, by_individual, by_organisation)
    chinese = rng.random(count) < CHINESE_SHARE
    consent_index = _pick(rng, count, list(CONSENT_WEIGHTS.values()))
    means = np.array([profile.support for profile in CATEGORY_PROFILES])
    support = means[category_index] + rng.normal(0.0, 0.7, count)
    skip_rate = rng.beta(1.5, 12.0, count)  # about 11 % of optional questions on average
    draws = rng.integers(0, 1 << 30, size=(count, 16))

    category = [categories[i] for i in category_index]
    language = ["zh-hant" if flag else "en" for flag in chinese]
    campaign_text: list[str | None] = [None] * count
    noise_scale = np.where(in_campaign, 0.25, 1.0)
    fields: list[dict[str, object]] = []
    consents = list(CONSENT_WEIGHTS)
    for i in range(count):
        draw = draws[i]
        campaign = campaigns[campaign_index[i]] if in_campaign[i] else None
        if campaign is not None:
            category[i] = campaign.category
            language[i] = campaign.language
            support[i] = campaign.support
            skip_rate[i] = skip_rate[i] / 2
        is_chinese = language[i] == "zh-hant"
        contact_name, local = _person_name(draw, is_chinese)
        organisation_name = ""
        if individual[i]:
            email = f"{local}@{PERSONAL_DOMAINS[draw[13] % len(PERSONAL_DOMAINS)]}"
        else:
            organisation_name, label = _organisation_name(
                draw, category[i], is_chinese and draw[14] % 5 < 3
            )
            email = f"{local}@{label}.{ORGANISATION_TLDS[draw[13] % len(ORGANISATION_TLDS)]}"
        category_other = ""
        if category[i] == RespondentCategory.OTHER:
            english, chinese_text = CATEGORY_OTHER_TEXTS[draw[15] % len(CATEGORY_OTHER_TEXTS)]
            category_other = chinese_text if is_chinese else english
        if campaign is not None:
            campaign_text[i] = _campaign_text(campaign, draw, contact_name)
        fields.append(
            {
                "respondent_type": (
                    RespondentType.INDIVIDUAL if individual[i] else RespondentType.ORGANISATION
                ),
                "category": category[i],
                "category_other": category_other,
                "organisation_name": organisation_name,
                "contact_name": contact_name,
                "email": email,
                "consent": consents[consent_index[i]],
                "language": language[i],
            }
        )
    respondents = Respondents(
        individual=individual,
        in_campaign=in_campaign,
        category=category,
        language=language,
        support=support,
        noise_scale=noise_scale,
        skip_rate=skip_rate,
        campaign_text=campaign_text,
    )
    return respondents, fields


def _campaign_text(campaign: Campaign, draw: np.ndarray, signer: str) -> str:
    """The campaign's standard text with a changed word or two and sometimes the signer's name."""
    template, strongly, urge = CAMPAIGN_TEXTS[(campaign.stance, campaign.language)]
    text = template.format(
        strongly=strongly[draw[2] % len(strongly)], urge=urge[draw[3] % len(urge)]
    )
    if draw[4] % 5 < 3:
        text += f"\n\n{signer}"
    return text


def free_text(
    draw: np.ndarray, *, stance: int, language: str, organisation: bool, max_length: int
) -> str:
    """One free-text answer: a template in the respondent's language with its slots filled.

    ``draw`` is a row of random non-negative integers (at least 9); ``stance`` is 0 against,
    1 mixed, 2 in favour.
    """
    slots = TEXT_SLOTS[language]
    templates = TEXT_TEMPLATES[language]
    verbs = TEXT_VERBS[language][stance]
    reasons = TEXT_REASONS[language][stance]
    start, middle, possessive = slots["pronouns"][int(organisation)]
    reason = reasons[draw[2] % len(reasons)]
    text = templates[draw[0] % len(templates)].format(
        We=start,
        we=middle,
        our=possessive,
        verb=verbs[draw[1] % len(verbs)],
        reason=reason,
        Reason=reason[:1].upper() + reason[1:],
        topic=slots["topic"][draw[3] % len(slots["topic"])],
        suggestion=slots["suggestion"][draw[4] % len(slots["suggestion"])],
        amount=slots["amount"][draw[5] % len(slots["amount"])],
        period=slots["period"][draw[6] % len(slots["period"])],
        years=draw[7] % 24 + 2,
    )
    closing = slots["closing"][draw[8] % len(slots["closing"])]
    if closing:
        text += slots["separator"] + closing.format(We=start, we=middle, our=possessive)
    return text[:max_length]


def _round_significant(values: np.ndarray, digits: int = 2) -> np.ndarray:
    """People answer in round numbers: 37 200 becomes 37 000."""
    safe = np.maximum(np.abs(values), 1.0)
    scale = 10.0 ** (np.floor(np.log10(safe)) - (digits - 1))
    return np.round(values / scale) * scale


def _numbers(
    plan: QuestionPlan, respondents: Respondents, rows: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Plausible numbers inside the question's range: log-spread when it covers many decades."""
    low = plan.min_value if plan.min_value is not None else 0
    high = plan.max_value if plan.max_value is not None else max(low, 1) * 10_000
    n = len(rows)
    # Organisations give larger figures (staff, costs) than individuals.
    shift = np.where(respondents.individual[rows], -0.08, 0.08)
    if high > 100 * max(low, 1):
        bottom, top = math.log10(max(low, 1)), math.log10(high)
        centre = bottom + (plan.number_centre + shift) * (top - bottom)
        values = _round_significant(10.0 ** rng.normal(centre, (top - bottom) / 10, n))
    else:
        centre = low + (plan.number_centre + shift) * (high - low)
        values = np.round(rng.normal(centre, (high - low) / 8, n))
    return np.clip(values, low, high).astype(np.int64)


def _answers_draw(
    plans: Sequence[QuestionPlan], respondents: Respondents, rng: np.random.Generator
) -> AnswerRows:
    """Every answer row of a batch, question by question for all respondents at once."""
    count = len(respondents.support)
    single: dict[int, np.ndarray] = {}  # question id -> chosen choice index, -1 when unanswered
    selected: dict[int, np.ndarray] = {}  # multiple-choice question id -> (count, choices) mask
    blocks: list[AnswerBlock] = []
    agree_values = [value for value, _, _ in STANDARD_CHOICES[QuestionKind.AGREE]]
    for slot, plan in enumerate(plans):
        if plan.kind in QuestionKind.closed() and not plan.choice_ids:
            continue  # nothing to pick (the loader refuses such questions anyway)
        visible = np.ones(count, dtype=bool)
        if plan.condition_question_id is not None:
            visible = _condition_holds(plan, plans, single, selected, count)
        skip = respondents.skip_rate * plan.skip_factor
        if plan.kind == QuestionKind.TEXT:
            skip = np.where(respondents.in_campaign, 0.0, skip)
        answered = visible & (plan.required | (rng.random(count) >= skip))
        noise = rng.normal(0.0, plan.noise, count) * respondents.noise_scale
        stance = plan.loading * respondents.support + plan.offset + noise
        rows = np.flatnonzero(answered)
        choice_ids = np.array(plan.choice_ids, dtype=np.int64)
        if plan.kind == QuestionKind.AGREE:
            level = np.digitize(-stance, [-1.2, -0.35, 0.45, 1.3])  # 0 strongly agree .. 4
            index = np.array([plan.choice_values.index(v) for v in agree_values])[level]
            single[plan.id] = np.where(answered, index, -1)
            blocks.append(AnswerBlock(slot, rows, choice_ids[index[rows]]))
        elif plan.kind == QuestionKind.YES_NO_UNSURE:
            band = np.where(respondents.individual, 0.5, 0.3)  # individuals are less sure
            code = np.where(stance >= band, 0, np.where(stance <= -band, 1, 2))
            index = np.array([plan.choice_values.index(v) for v in ("yes", "no", "unsure")])[code]
            single[plan.id] = np.where(answered, index, -1)
            blocks.append(AnswerBlock(slot, rows, choice_ids[index[rows]]))
        elif plan.kind == QuestionKind.SINGLE:
            logits = _choice_logits(plan, respondents, rng)
            index = np.argmax(logits, axis=1)
            single[plan.id] = np.where(answered, index, -1)
            blocks.append(AnswerBlock(slot, rows, choice_ids[index[rows]]))
        elif plan.kind == QuestionKind.MULTIPLE:
            mask = _multiple_selection(plan, respondents, rng) & answered[:, None]
            selected[plan.id] = mask
            who, which = np.nonzero(mask)  # row-major: by respondent, then choice order
            blocks.append(AnswerBlock(slot, who, choice_ids[which], multiple=True))
        elif plan.kind == QuestionKind.NUMBER:
            numbers = _numbers(plan, respondents, rows, rng).tolist()
            blocks.append(AnswerBlock(slot, rows, values=numbers))
        else:
            blocks.append(
                AnswerBlock(slot, rows, values=_texts(plan, respondents, rows, stance, rng))
            )
    return _rows_merge(plans, blocks)


def _condition_holds(
    plan: QuestionPlan,
    plans: Sequence[QuestionPlan],
    single: dict[int, np.ndarray],
    selected: dict[int, np.ndarray],
    count: int,
) -> np.ndarray:
    """Who sees a conditional question: those whose earlier answer was the condition's choice."""
    target = next((p for p in plans if p.id == plan.condition_question_id), None)
    if target is None or plan.condition_choice_id not in target.choice_ids:
        return np.zeros(count, dtype=bool)
    index = target.choice_ids.index(plan.condition_choice_id)
    if target.id in selected:
        return selected[target.id][:, index].copy()
    if target.id in single:
        return single[target.id] == index
    # The condition names a later question (invalid data): never shown.
    return np.zeros(count, dtype=bool)


def _choice_logits(
    plan: QuestionPlan, respondents: Respondents, rng: np.random.Generator
) -> np.ndarray:
    count = len(respondents.support)
    gumbel = rng.gumbel(0.0, 1.0, (count, len(plan.choice_ids)))
    return (
        plan.choice_base[None, :]
        + respondents.support[:, None] * plan.choice_slope[None, :]
        + gumbel * respondents.noise_scale[:, None]
    )


def _multiple_selection(
    plan: QuestionPlan, respondents: Respondents, rng: np.random.Generator
) -> np.ndarray:
    """One to three choices each, the most attractive first; "none" only ever alone."""
    count, width = len(respondents.support), len(plan.choice_ids)
    logits = _choice_logits(plan, respondents, rng)
    picks = np.round(2.0 + rng.normal(0.0, 0.8, count) * respondents.noise_scale)
    picks = np.clip(picks, 1, min(3, width)).astype(np.int64)
    rank = np.argsort(np.argsort(-logits, axis=1), axis=1)
    mask = rank < picks[:, None]
    for index, value in enumerate(plan.choice_values):
        if value in EXCLUSIVE_VALUES:
            alone = mask[:, index] & (rank[:, index] == 0)
            mask[:, index] = alone  # "none" only counts when it is the first pick
            mask[alone] = False
            mask[alone, index] = True
    return mask


def _texts(
    plan: QuestionPlan,
    respondents: Respondents,
    rows: np.ndarray,
    stance: np.ndarray,
    rng: np.random.Generator,
) -> list[str]:
    draws = rng.integers(0, 1 << 30, size=(len(rows), 9))
    levels = np.digitize(stance[rows], [-0.3, 0.3])  # 0 against, 1 mixed, 2 in favour
    texts = []
    for draw, row, level in zip(draws, rows.tolist(), levels.tolist(), strict=True):
        campaign_text = respondents.campaign_text[row]
        if campaign_text is not None:
            texts.append(campaign_text[: plan.max_length])
            continue
        texts.append(
            free_text(
                draw,
                stance=level,
                language=respondents.language[row],
                organisation=not respondents.individual[row],
                max_length=plan.max_length,
            )
        )
    return texts


def _rows_merge(plans: Sequence[QuestionPlan], blocks: Sequence[AnswerBlock]) -> AnswerRows:
    """Interleave the per-question blocks into rows ordered by respondent, then question."""
    if not blocks:
        return AnswerRows([], [], [], [], [], [])
    position = np.concatenate([block.rows for block in blocks])
    slot = np.concatenate([np.full(len(block.rows), block.slot) for block in blocks])
    choice = np.concatenate(
        [
            block.choice_ids if block.choice_ids is not None else np.full(len(block.rows), -1)
            for block in blocks
        ]
    )
    multiple = np.concatenate([np.full(len(block.rows), block.multiple) for block in blocks])
    values: list = []
    for block in blocks:
        values.extend(block.values if block.values is not None else [None] * len(block.rows))
    order = np.lexsort((slot, position))  # stable: keeps choice order within a question
    slots = slot[order].tolist()
    ordered_values = [values[i] for i in order.tolist()]
    is_text = [plans[n].kind == QuestionKind.TEXT for n in slots]
    return AnswerRows(
        position=position[order].tolist(),
        question_id=[plans[n].id for n in slots],
        choice_id=[None if c < 0 else c for c in choice[order].tolist()],
        multiple=multiple[order].tolist(),
        text=[v if t else "" for v, t in zip(ordered_values, is_text, strict=True)],
        number=[None if t else v for v, t in zip(ordered_values, is_text, strict=True)],
    )


# --- Writing -------------------------------------------------------------------------------------


def _references_reserve(consultation: Consultation, count: int, using: str) -> int:
    """Raise the consultation's reference counter by ``count``; return the last number before.

    The UPDATE ... SET n = n + count locks the row until commit, so a concurrent submission (or a
    second generator) waits and then takes the numbers after ours: references never collide.
    """
    with transaction.atomic(using=using):
        rows = Consultation.objects.using(using).filter(pk=consultation.pk)
        rows.update(last_reference_number=F("last_reference_number") + count)
        last = rows.values_list("last_reference_number", flat=True).get()
    consultation.last_reference_number = last
    return last - count


def _answers_write(consultation_id: int, ids: list[int], rows: AnswerRows, using: str) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        meta = Answer._meta
        columns = ", ".join(
            connection.ops.quote_name(meta.get_field(name).column)
            for name in ("consultation", "submission", "question", "choice", "multiple", "text")
        )
        number_column = connection.ops.quote_name(meta.get_field("number").column)
        table = connection.ops.quote_name(meta.db_table)
        sql = f"COPY {table} ({columns}, {number_column}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in zip(
                rows.position,
                rows.question_id,
                rows.choice_id,
                rows.multiple,
                rows.text,
                rows.number,
                strict=True,
            ):
                position, question_id, choice_id, multiple, text, number = row
                copy.write_row(
                    (consultation_id, ids[position], question_id, choice_id, multiple, text, number)
                )
        return
    Answer.objects.using(using).bulk_create(
        [
            Answer(
                consultation_id=consultation_id,
                submission_id=ids[position],
                question_id=question_id,
                choice_id=choice_id,
                multiple=multiple,
                text=text,
                number=number,
            )
            for position, question_id, choice_id, multiple, text, number in zip(
                rows.position,
                rows.question_id,
                rows.choice_id,
                rows.multiple,
                rows.text,
                rows.number,
                strict=True,
            )
        ],
        batch_size=2000,
    )


def responses_generate(
    *, consultation: Consultation, count: int, seed: int, batch_size: int = DEFAULT_BATCH_SIZE
) -> int:
    """Create ``count`` submitted responses with answers; return how many were created.

    References continue from the consultation's counter, which is raised once for the whole run
    before anything is written: if a batch fails, the numbers it reserved are left unused (gaps,
    never duplicates), and the batches already committed stay.
    """
    if count < 0 or seed < 0 or batch_size < 1:
        raise ValueError("count and seed must not be negative; batch_size must be positive")
    if count == 0:
        return 0
    using = router.db_for_write(Submission)
    plans = _questions_plan(consultation, np.random.default_rng([seed, 0]))
    plan_rng = np.random.default_rng([seed, 1])
    campaigns, sizes = _campaigns_plan(count, plan_rng)
    position, campaign_index = _arrival_plan(count, sizes, plan_rng)
    window_start, window = _submission_window(consultation)
    # Where the form leaves a submitted response: its review page, as submission_submit does.
    review_step = journey_load(consultation=consultation).review_step
    # Whole seconds: timestamps are exact and identical on every database.
    offsets = np.floor(position * window.total_seconds()).astype(np.int64)
    first = _references_reserve(consultation, count, using) + 1

    for batch, start in enumerate(range(0, count, batch_size)):
        stop = min(count, start + batch_size)
        rng = np.random.default_rng([seed, 2, batch])
        respondents, fields = _respondents_draw(
            stop - start, campaign_index[start:stop], campaigns, rng
        )
        answers = _answers_draw(plans, respondents, rng)
        # Filling in the form: minutes to days before submitting; the last save just before.
        filling = np.clip(np.exp(rng.normal(math.log(1200), 1.2, stop - start)), 90, 5 * 86400)
        last_save = rng.integers(1, 30, stop - start)
        submissions = []
        for i, respondent in enumerate(fields):
            offset = int(offsets[start + i])
            submitted_at = window_start + dt.timedelta(seconds=offset)
            updated_at = window_start + dt.timedelta(seconds=max(0, offset - int(last_save[i])))
            created_at = window_start + dt.timedelta(seconds=max(0, offset - int(filling[i])))
            submissions.append(
                Submission(
                    consultation=consultation,
                    reference=f"{consultation.reference_prefix}-{first + start + i:06d}",
                    state=SubmissionState.SUBMITTED,
                    privacy_acknowledged=True,
                    current_step=review_step,
                    created_at=min(created_at, updated_at),
                    updated_at=updated_at,
                    submitted_at=submitted_at,
                    review_status=ReviewStatus.NEW,
                    **respondent,
                )
            )
        with transaction.atomic(using=using):
            Submission.objects.using(using).bulk_create(submissions, batch_size=1000)
            ids = [submission.pk for submission in submissions]
            if None in ids:  # a backend that cannot return ids from a bulk insert
                by_reference = dict(
                    Submission.objects.using(using)
                    .filter(reference__in=[s.reference for s in submissions])
                    .values_list("reference", "pk")
                )
                ids = [by_reference[s.reference] for s in submissions]
            _answers_write(consultation.pk, ids, answers, using)
    _statistics_refresh(using)
    return count


def _statistics_refresh(using: str) -> None:
    """After a bulk load PostgreSQL's planner statistics are stale and it picks slow plans."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE surveys_submission")
            cursor.execute("ANALYZE surveys_answer")
