"""The held-out-phrasing benchmark: a fold really leaves its phrasings out, and what it counts is
the real index's answer for a phrasing it does not hold."""

from __future__ import annotations

from bench import faq_heldout
from bot.faq.search import SearchIndex
from tests.unit.test_faq_head import BANK, HELD_OUT, entry


def test_a_fold_takes_out_exactly_its_phrasings() -> None:
    whole = entry("pacing", BANK["pacing"] + ["overdid the gardening and now i cant move", "spoon theory and pacing"])
    for fold in range(faq_heldout.FOLDS):
        reduced = faq_heldout.without(whole, fold)
        expected = [t for t in faq_heldout.phrasings(whole) if faq_heldout.fold_of(t) != fold]
        if expected:
            assert faq_heldout.phrasings(reduced) == expected
        else:
            assert reduced is whole  # nothing would be left to learn from: the entry is not asked
        assert reduced.id == whole.id and reduced.body == whole.body


def test_the_fold_of_a_text_is_fixed() -> None:
    assert faq_heldout.fold_of("why do i ache all over") == faq_heldout.fold_of("why do i ache all over")
    assert {faq_heldout.fold_of(t) for texts in BANK.values() for t in texts} <= set(range(faq_heldout.FOLDS))


def test_measure_counts_the_real_search_for_unseen_paraphrases() -> None:
    from bot.semantic import load_encoder

    index = SearchIndex([entry(k, v) for k, v in BANK.items()], encoder=faq_heldout.OnceEncoder(load_encoder()))
    asked = [(text, key) for key, text in HELD_OUT.items()]
    found = faq_heldout.measure(index, asked, {"off": dict(faq_heldout.OFF), "order": {"HEAD_ORDER_WEIGHT": 0.1}})
    assert found["head_top1"] == len(asked)  # the head places each paraphrase (see test_faq_head)
    for counts in (found["off"], found["order"]):
        assert 0 <= counts["search_top1"] <= counts["search_first"] <= len(asked)
        assert counts["search_abstained"] <= len(asked) and counts["similarity_top1"] <= len(asked)
