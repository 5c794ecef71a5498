"""The streamed near-duplicate grouping (textkit.nearduplicates) gives exactly the groups of the
earlier in-memory implementation, kept as the reference in tests/textkit/minhash_reference.py,
on generated campaigns in English and Chinese (edited, signed, sentences reordered, pasted into
several answers) among unrelated texts, with buckets small and large."""

import random

import numpy as np
import pytest

from tests.textkit import minhash_reference as reference
from tests.textkit.texts import (
    EN_CAMPAIGN,
    EN_WORDS,
    ZH_CAMPAIGN,
    ZH_WORDS,
    campaign_texts,
    individual_texts,
)
from textkit import minhash, nearduplicates, nearjoin

EN_FILLER = "licence capital custody wallet client shop cash risk fee regulator".split()  # noqa: SIM905
ZH_FILLER = list("牌照資本託管錢包客戶商店現金風險費用監管海關")


def edited(texts, rng, filler, joiner):
    """Each text with a word or two replaced, dropped or added, and sometimes two sentences
    swapped: copies that differ, as campaign copies do."""
    out = []
    for text in texts:
        body, _sep, signature = text.partition("\n\n")
        words = list(body) if joiner == "" else body.split(" ")
        for _ in range(rng.randint(0, 3)):
            where = rng.randrange(len(words))
            action = rng.random()
            if action < 0.4:
                words[where] = rng.choice(filler)
            elif action < 0.7:
                del words[where]
            else:
                words.insert(where, rng.choice(filler))
        body = joiner.join(words)
        sentences = body.split("。" if joiner == "" else ". ")
        if len(sentences) > 2 and rng.random() < 0.3:
            sentences[0], sentences[1] = sentences[1], sentences[0]
        body = ("。" if joiner == "" else ". ").join(sentences)
        out.append(f"{body}\n\n{signature}" if signature else body)
    return out


def corpus(seed, copies=120):
    rng = random.Random(seed)
    english = edited(campaign_texts(EN_CAMPAIGN, EN_WORDS, copies, seed), rng, EN_FILLER, " ")
    chinese = edited(campaign_texts(ZH_CAMPAIGN, ZH_WORDS, copies, seed + 1), rng, ZH_FILLER, "")
    # A campaign pasted into two answers of one submission, with the respondent's own words.
    pasted = [
        f"{text}\n\nAlso: {other}"
        for text, other in zip(
            campaign_texts(EN_CAMPAIGN, EN_WORDS, 40, seed + 2),
            individual_texts(40, seed + 3),
            strict=True,
        )
    ]
    texts = english + chinese + pasted + individual_texts(400, seed + 4)
    texts += ["No comment.", "Agree", "同意", ""] * 5
    rng.shuffle(texts)
    return texts


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("threshold", [0.8, 0.6, 0.9])
def test_the_same_groups_as_the_reference(seed, threshold):
    texts = corpus(seed)
    expected = reference.near_duplicate_groups(texts, threshold=threshold)
    assert len(expected) >= 2  # the campaigns are found: the comparison is not empty
    assert minhash.near_duplicate_groups(texts, threshold=threshold) == expected


def test_large_buckets_follow_the_sequential_rule(monkeypatch):
    """Buckets above 48 texts go by the leaders-and-window rule; with small buckets capped at
    4 texts most buckets are large, and the groups are still the reference's."""
    texts = corpus(5, copies=300)
    for module in (reference, nearjoin):
        monkeypatch.setattr(module, "_SMALL_BUCKET", 4)
        # One exact check per text: the order of the candidates decides.
        monkeypatch.setattr(module, "_EXACT_CHECKS", 1)
    expected = reference.near_duplicate_groups(texts)
    assert max(map(len, expected)) > 100
    assert minhash.near_duplicate_groups(texts) == expected


def test_streamed_in_small_blocks_the_groups_are_the_same(monkeypatch):
    texts = corpus(7)
    monkeypatch.setattr(nearduplicates, "BLOCK", 37)
    monkeypatch.setattr(nearjoin, "_PAIR_BATCH", 11)
    index = nearduplicates.NearDuplicates()
    index.extend(texts)
    assert index.groups() == reference.near_duplicate_groups(texts)


def test_a_text_met_again_in_a_later_block_is_the_same_doc(monkeypatch):
    texts = [t for t in corpus(8) if len(t) > 40][:300]
    once = nearduplicates.NearDuplicates()
    once.extend(texts)
    once.groups()
    monkeypatch.setattr(nearduplicates, "BLOCK", 3)
    twice = nearduplicates.NearDuplicates()
    twice.extend(texts + texts[::-1])
    twice.groups()
    assert twice.docs == once.docs


def test_the_exact_similarity_is_the_reference_one():
    texts = corpus(9)[:60]
    for first, second in zip(texts, texts[1:], strict=False):
        assert minhash.jaccard(first, second) == pytest.approx(reference.jaccard(first, second))


def test_the_exact_check_is_the_same_past_65536_words():
    """Word ids stored as uint32 (a vocabulary past 65,536 words) take the general path."""
    index = nearduplicates.NearDuplicates()
    index.extend(corpus(6))
    index.groups()
    offsets = np.concatenate([[0], np.frombuffer(index._ends, dtype=np.int64)])
    small = nearjoin.ExactCheck(index._all_words, offsets, 0.8)
    large = nearjoin.ExactCheck(index._all_words.astype(np.uint32), offsets, 0.8)
    rng = np.random.default_rng(6)
    first, second = rng.integers(0, index.docs, 500), rng.integers(0, index.docs, 500)
    second[:100] = first[:100]
    expected = small.similarities(first, second)
    assert (expected > 0.8).sum() >= 100
    assert np.array_equal(large.similarities(first, second), expected)
    assert [small.one(a, b) for a, b in zip(first.tolist(), second.tolist(), strict=True)] == (
        (expected >= 0.8).tolist()
    )


def test_progress_is_reported_per_band():
    heard = []
    index = nearduplicates.NearDuplicates()
    index.extend(corpus(4))
    index.groups(lambda stage, done, total: heard.append((stage, done, total)))
    assert heard[0] == ("compare", 1, 16) and heard[-1] == ("compare", 16, 16)
