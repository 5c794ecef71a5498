"""Texts for the near-duplicate tests: signed copies of standard campaign texts, and texts of
independent respondents on the same subjects."""

import random

EN_CAMPAIGN = (
    "I am one of many customers who rely on local OTC shops. I {strongly} oppose the proposal in "
    "its current form. The requirements are far too costly for small shops, and customers will "
    "simply move to unregulated channels. I {urge} the Government to withdraw the proposal."
)
ZH_CAMPAIGN = (
    "作為普通市民，本人{strongly}支持為所有向公眾提供虛擬資產交易的業務發牌。太多市民因無牌"
    "交易商而損失積蓄。本人{urge}政府盡快實施制度並嚴格執法。"
)
EN_WORDS = (("strongly", "firmly", "totally"), ("urge", "call on", "ask"))
ZH_WORDS = (("強烈", "全力", "衷心"), ("促請", "要求", "呼籲"))
NAMES = ["Chan Tai Man", "陳大文", "Wong Siu Ming", "李小玲", "Victor Hui Ling-sum", ""]


def campaign_texts(template, words, count, seed):
    """Signed copies of a standard text with a word or two changed, as campaigns arrive."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        text = template.format(strongly=rng.choice(words[0]), urge=rng.choice(words[1]))
        name = rng.choice(NAMES)
        texts.append(f"{text}\n\n{name}" if name else text)
    return texts


def individual_texts(count, seed):
    """Texts of independent respondents: the same vocabulary, no common wording."""
    rng = random.Random(seed)
    vocabulary = [
        *("licence", "capital", "custody", "wallet", "client", "shop", "cash", "risk", "fee"),
        *("regulator", "customs", "sfc", "hkma", "transition", "month", "penalty", "business"),
        *("cost", "staff", "compliance", "audit", "record", "identity", "check", "token"),
        *("stablecoin", "platform", "exchange", "broker", "dealer", "market", "investor"),
    ]
    return [
        " ".join(rng.choice(vocabulary) for _ in range(rng.randint(12, 60))) for _ in range(count)
    ]
