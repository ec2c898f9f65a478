"""The FAQ tuning script: an honest train/dev split, and a grid replay that decides exactly as the
search does (else the constants it picks would be tuned for some other search)."""

from __future__ import annotations

import numpy as np
import pytest

from bench import faq_tune
from bench.faq_accuracy import TUNING, load_cases, score
from bot.faq import hybrid
from bot.faq.search import SearchIndex


@pytest.fixture(scope="module")
def index(hybrid_index: SearchIndex) -> SearchIndex:
    return hybrid_index


@pytest.fixture(scope="module")
def sample(index: SearchIndex) -> tuple[list[tuple[str, str | None]], dict[str, np.ndarray]]:
    cases = faq_tune.split(faq_tune.tuning_cases())["train"][::4]
    return cases, faq_tune.features(index, cases)


def test_split_keeps_every_entry_on_one_side_and_is_stable() -> None:
    cases = faq_tune.tuning_cases()
    assert len(cases) > len(load_cases(TUNING))  # the fresh questions are tuned on too
    parts = faq_tune.split(cases)
    assert len(parts["train"]) + len(parts["dev"]) == len(cases)
    assert parts["train"] and parts["dev"]
    train_entries = {e for _, e in parts["train"] if e}
    dev_entries = {e for _, e in parts["dev"] if e}
    assert train_entries and dev_entries and not train_entries & dev_entries
    assert any(e is None for _, e in parts["dev"]) and any(e is None for _, e in parts["train"])
    assert faq_tune.split(list(reversed(cases)))["dev"] == list(reversed(parts["dev"]))


@pytest.mark.parametrize("setting", [
    None,  # the constants in force
    {"LEXICAL_WEIGHT": 0.45, "COSINE_FLOOR": 0.82, "COSINE_CEILING": 0.95, "LEXICAL_FLOOR": 0.3,
     "ANSWER_THRESHOLD": 0.45, "SECOND_WEIGHT": 0.0, "SUMMARY_WEIGHT": 0.0, "MARGIN_WEIGHT": 0.0,
     "HEAD_WEIGHT": 0.0, "HEAD_ORDER_WEIGHT": 0.0},
    {"LEXICAL_WEIGHT": 0.8, "COSINE_FLOOR": 0.88, "COSINE_CEILING": 0.99, "LEXICAL_FLOOR": 0.55,
     "ANSWER_THRESHOLD": 0.6, "SECOND_WEIGHT": 0.25, "SUMMARY_WEIGHT": 0.3, "MARGIN_WEIGHT": 1.0,
     "HEAD_WEIGHT": 0.0, "HEAD_ORDER_WEIGHT": 0.0},
    {"LEXICAL_WEIGHT": 0.5, "COSINE_FLOOR": 0.84, "COSINE_CEILING": 0.97, "LEXICAL_FLOOR": 0.35,
     "ANSWER_THRESHOLD": 0.55, "SECOND_WEIGHT": 0.5, "SUMMARY_WEIGHT": 0.1, "MARGIN_WEIGHT": 2.0,
     "HEAD_WEIGHT": 0.0, "HEAD_ORDER_WEIGHT": 0.0},
    # the head in the similarity (and so in the answer decision)
    {"LEXICAL_WEIGHT": 0.55, "COSINE_FLOOR": 0.82, "COSINE_CEILING": 0.94, "LEXICAL_FLOOR": 0.3,
     "ANSWER_THRESHOLD": 0.5, "SECOND_WEIGHT": 0.0, "SUMMARY_WEIGHT": 0.2, "MARGIN_WEIGHT": 0.0,
     "HEAD_WEIGHT": 0.05, "HEAD_ORDER_WEIGHT": 0.0},
    # the head in the ranking order only, strong enough to reorder, with a lead term on top
    {"LEXICAL_WEIGHT": 0.6, "COSINE_FLOOR": 0.85, "COSINE_CEILING": 0.96, "LEXICAL_FLOOR": 0.4,
     "ANSWER_THRESHOLD": 0.475, "SECOND_WEIGHT": 0.0, "SUMMARY_WEIGHT": 0.3, "MARGIN_WEIGHT": 0.5,
     "HEAD_WEIGHT": 0.0, "HEAD_ORDER_WEIGHT": 0.4},
    # both at once
    {"LEXICAL_WEIGHT": 0.5, "COSINE_FLOOR": 0.83, "COSINE_CEILING": 0.95, "LEXICAL_FLOOR": 0.35,
     "ANSWER_THRESHOLD": 0.45, "SECOND_WEIGHT": 0.125, "SUMMARY_WEIGHT": 0.3, "MARGIN_WEIGHT": 0.0,
     "HEAD_WEIGHT": 0.08, "HEAD_ORDER_WEIGHT": 0.15},
])
def test_the_grid_replay_decides_as_the_search_does(index: SearchIndex, sample: tuple, setting: dict | None) -> None:
    cases, features = sample
    setting = setting or {name: float(getattr(hybrid, name)) for name in faq_tune.NAMES}
    _, replayed = faq_tune.search_grid(features, {n: np.array([v]) for n, v in setting.items()}, 0.0, setting)
    with faq_tune.constants(setting):
        real = score(faq_tune.Uncached(index), cases)
    assert replayed == {k: real[k] for k in ("top1", "abstention", "false_abstention")}


def test_constants_are_put_back_even_after_an_error() -> None:
    before = hybrid.LEXICAL_FLOOR
    with pytest.raises(RuntimeError), faq_tune.constants({"LEXICAL_FLOOR": 0.99}):
        assert hybrid.LEXICAL_FLOOR == 0.99
        raise RuntimeError
    assert before == hybrid.LEXICAL_FLOOR


def test_the_features_carry_the_head_and_it_can_change_the_order(sample: tuple) -> None:
    """The head's probabilities reach the replay (summing to at most 1 over a question's
    candidates) and, given weight, change which candidate comes first for some question: else
    the two head settings above would replay nothing new."""
    _, features = sample
    head = np.where(features["valid"], features["head"], 0.0)
    assert (head >= 0).all() and (head.sum(axis=1) <= 1 + 1e-5).all() and head.max() > 0.5
    blend = np.where(features["valid"], features["lex"] + features["cos"], -np.inf)
    reordered = np.argmax(blend + 10 * head, axis=1) != np.argmax(blend, axis=1)
    assert reordered.any()


def test_the_grid_holds_off_and_tries_each_head_way_alone() -> None:
    axes = faq_tune.grid(quick=True)
    assert axes["HEAD_WEIGHT"][0] == 0.0 and axes["HEAD_ORDER_WEIGHT"][0] == 0.0
    pairs = faq_tune.head_pairs(axes, every_pair=False)
    assert (0.0, 0.0) in pairs and all(h == 0.0 or o == 0.0 for h, o in pairs)
    assert any(h > 0 for h, _ in pairs) and any(o > 0 for _, o in pairs)
    assert len(faq_tune.head_pairs(axes, every_pair=True)) == len(axes["HEAD_WEIGHT"]) * len(axes["HEAD_ORDER_WEIGHT"])
