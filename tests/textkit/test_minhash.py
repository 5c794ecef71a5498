"""Near-duplicate grouping (textkit.minhash): campaigns found whole in English and Chinese,
signatures left out, short and independent texts never grouped."""

import pytest

from tests.textkit.texts import (
    EN_CAMPAIGN,
    EN_WORDS,
    ZH_CAMPAIGN,
    ZH_WORDS,
    campaign_texts,
    individual_texts,
)
from textkit import minhash


class TestGrouping:
    def test_identical_texts_form_one_group(self):
        text = "We object to the capital requirement; it is far too high for small shops."
        assert minhash.near_duplicate_groups(
            [text, "Other words entirely here, nothing alike.", text]
        ) == [[0, 2]]

    def test_english_and_chinese_campaigns_are_found_whole(self):
        english = campaign_texts(EN_CAMPAIGN, EN_WORDS, 40, seed=1)
        chinese = campaign_texts(ZH_CAMPAIGN, ZH_WORDS, 60, seed=2)
        others = individual_texts(200, seed=3)
        texts = others[:100] + english + others[100:] + chinese
        groups = minhash.near_duplicate_groups(texts)
        assert [len(g) for g in groups] == [60, 40]
        assert groups[0] == list(range(240, 300))
        assert groups[1] == list(range(100, 140))

    def test_short_answers_are_not_a_campaign(self):
        assert minhash.near_duplicate_groups(["No comment."] * 5) == []
        assert minhash.near_duplicate_groups(["No comment."] * 5, min_chars=5) == [[0, 1, 2, 3, 4]]

    def test_texts_below_the_threshold_stay_apart(self):
        base = "The transition period of six months is too short for existing operators to apply."
        edited = "The transition period of six months is too short for new operators to apply now."
        assert 0.5 < minhash.jaccard(base, edited) < 0.8
        assert minhash.near_duplicate_groups([base, edited]) == []
        assert minhash.near_duplicate_groups([base, edited], threshold=0.5) == [[0, 1]]

    def test_signatures_are_left_out_of_the_comparison(self):
        text = "We oppose the capital requirement: it is far too high for the small shops we run."
        assert minhash.jaccard(f"{text}\n\nChan Tai Man", f"{text}\n\n陳大文") == 1.0
        # A closing sentence is part of the text, not a signature.
        assert minhash.jaccard(f"{text}\n\nThank you.", text) < 1.0

    def test_similarity_ignores_case_spacing_and_full_width_forms(self):
        assert minhash.jaccard("ＨＫ$5 million is TOO high", "hk$5   million is too high") == 1.0
        assert minhash.jaccard("capital", "custody") == 0.0

    def test_independent_texts_are_not_grouped(self):
        assert minhash.near_duplicate_groups(individual_texts(500, seed=4)) == []

    def test_threshold_out_of_range_is_refused(self):
        with pytest.raises(ValueError):
            minhash.near_duplicate_groups(["a"], threshold=0.3)
