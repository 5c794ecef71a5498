"""The synthetic respondents' world: the mix of categories and their stances, names, and the
building blocks of their free text, in both languages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from surveys.models import (
    Consent,
    RespondentCategory,
)

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


class TextSlots(TypedDict):
    """The words a free-text template's slots are filled with, in one language."""

    topic: tuple[str, ...]
    suggestion: tuple[str, ...]
    amount: tuple[str, ...]
    period: tuple[str, ...]
    pronouns: tuple[tuple[str, str, str], ...]  # (We, we, our): individual, organisation
    closing: tuple[str, ...]
    separator: str


TEXT_SLOTS: dict[str, TextSlots] = {
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
