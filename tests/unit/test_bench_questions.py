"""The load benchmark's questions are really new each time: distinct, and none seen in warm-up."""

from __future__ import annotations

from bench.questions import base_questions, key, slip, split, variants


def test_measured_questions_are_distinct_and_never_in_the_warm_up() -> None:
    warmup, measured = split(300, 6000)
    assert len(warmup) == 300 and len(measured) == 6000
    warm_keys = {key(q) for q in warmup}
    measured_keys = [key(q) for q in measured]
    assert len(set(measured_keys)) == len(measured_keys)
    assert warm_keys.isdisjoint(measured_keys)


def test_distinct_means_distinct_to_a_normalising_cache() -> None:
    assert key("Does exercise  HELP?!") == key("does exercise help")
    stream = variants(1, exclude={key("hi all, what is pacing thanks")})
    assert all(key(q) != key("hi all, what is pacing thanks") for q in (next(stream) for _ in range(5000)))


def test_variants_are_built_from_the_development_questions_without_crisis_texts() -> None:
    bases = base_questions()
    assert len(bases) > 200
    assert not any("suicid" in q.lower() or "want to die" in q.lower() for q in bases)
    warmup, _ = split(50, 10)
    stems = {key(b) for b in bases}
    # Each variant still contains a development question (possibly with one letter slipped).
    assert sum(any(s in key(q) for s in stems) for q in warmup) >= 30


def test_a_slip_changes_one_word_by_one_letter() -> None:
    import random

    original = "amitriptyline helps some people sleep"
    slipped = slip(original, random.Random(3))
    changed = [(a, b) for a, b in zip(original.split(), slipped.split(), strict=True) if a != b]
    assert len(changed) == 1 and abs(len(changed[0][0]) - len(changed[0][1])) <= 1
