"""The no-match path's "might be close" entries: title and tag words, typos forgiven, safety
entries only for questions about crisis, and low mood met with both of its entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.faq.close import CloseEntries, close_entries, offer
from bot.faq.loader import load_entries
from bot.faq.models import FaqEntry
from tests.conftest import CONTENT


@pytest.fixture(scope="module")
def pack() -> list[FaqEntry]:
    loaded = load_entries(Path(CONTENT)).entries
    return list(loaded.values()) if isinstance(loaded, dict) else list(loaded)


@pytest.fixture(scope="module")
def matcher(pack: list[FaqEntry]) -> CloseEntries:
    return CloseEntries(pack)


def _tagged(pack: list[FaqEntry], tag: str) -> set[str]:
    return {e.id for e in pack if tag in e.meta.tags}


def test_one_word_finds_the_entry_with_that_word_in_its_title_first(matcher: CloseEntries) -> None:
    found = matcher.match("sleep")
    assert found[0] == "sleep-habits"
    assert matcher.match("Sleep?") == found  # case and punctuation are not words


def test_misspelt_words_still_find_their_entries(matcher: CloseEntries, pack: list[FaqEntry]) -> None:
    assert set(matcher.match("fatige")) <= _tagged(pack, "fatigue") | _tagged(pack, "tiredness")
    assert set(matcher.match("fatige")) & _tagged(pack, "fatigue")
    assert matcher.match("slep")[0] == "sleep-habits"
    assert matcher.match("acupunture")[0] in _tagged(pack, "acupuncture")
    assert matcher.match("how do i start excercising")[0] == "starting-exercise"


def test_short_words_match_exactly_and_different_words_do_not_match(matcher: CloseEntries) -> None:
    assert "amitriptyline-low-dose" not in matcher.match("low")  # "low-dose" is one word
    assert matcher.match("low")[0] == "mood-and-pain"
    assert "main-symptoms" not in matcher.match("whats the number")  # "number" is not "numb"
    assert matcher.match("swimming pool") == []
    assert matcher.match("") == [] and matcher.match("how do i do it") == []


def test_safety_entries_only_when_allowed(matcher: CloseEntries, pack: list[FaqEntry]) -> None:
    safety = {e.id for e in pack if e.meta.category == "safety"}
    assert safety & _tagged(pack, "ambulance")
    assert not set(matcher.match("ambulance waiting times")) & safety
    assert set(matcher.match("ambulance waiting times", allow_safety=True)) & safety


def test_offer_puts_word_matches_before_the_search_and_keeps_safety_to_the_search(matcher: CloseEntries) -> None:
    made = offer(matcher, "fatige", ["explaining-to-others", "main-symptoms"])
    assert made.ids[:2] == matcher.match("fatige")[:2] and "explaining-to-others" in made.ids
    assert len(made.ids) == 3 and len(set(made.ids)) == 3
    # The search offered a safety entry (it judged the question about crisis): word matches may be safety too.
    crisis = offer(matcher, "ambulance number", ["crisis-lines"])
    assert "emergency-numbers" in crisis.ids
    assert "emergency-numbers" not in offer(matcher, "ambulance number", ["how-common"]).ids
    assert offer(matcher, "zzqx", []).ids == []


def test_low_mood_is_offered_both_entries_and_the_pointer(matcher: CloseEntries) -> None:
    mood = offer(matcher, "feeling so low lately", ["flares", "flare-plan"])
    assert mood.low_mood and mood.ids[:2] == ["mood-and-pain", "support-groups"]
    # The search may find the peer-support entry alone ("lonely"): the other comes with it.
    lonely = offer(matcher, "i feel so alone with this", ["support-groups"])
    assert lonely.low_mood and lonely.ids[0] == "support-groups" and "mood-and-pain" in lonely.ids
    assert not offer(matcher, "sleep", []).low_mood


def test_the_matcher_is_built_once_per_index(pack: list[FaqEntry]) -> None:
    class Index:  # any object the search index stands for
        pass

    index = Index()
    assert close_entries(index, pack) is close_entries(index, pack)
    assert close_entries(Index(), pack) is not close_entries(index, pack)
