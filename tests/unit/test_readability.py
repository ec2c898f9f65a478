"""Answers written for brain fog: the pack's median reading grade stays at or below 9."""

from __future__ import annotations

import statistics

from bot.faq.loader import load_entries
from tests.conftest import CONTENT
from tests.readability import fk_grade, syllables


def test_the_formula_behaves() -> None:
    assert syllables("cat") == 1 and syllables("elephant") == 3 and syllables("fibromyalgia") >= 4
    easy = fk_grade("The cat sat on the mat. It was a nice day.")
    hard = fk_grade(
        "Notwithstanding considerable methodological heterogeneity, contemporary pharmacological "
        "interventions demonstrate statistically significant, albeit clinically modest, improvements."
    )
    assert easy < 3 < 12 < hard


def test_median_grade_of_summaries_and_bodies_is_at_most_9() -> None:
    entries = [e for e in load_entries(CONTENT).entries.values() if e.published]
    grades = sorted(fk_grade(f"{e.meta.summary}\n\n{e.body}") for e in entries)
    median = statistics.median(grades)
    print(f"\nFlesch-Kincaid grade: median {median:.1f}, range {grades[0]:.1f}-{grades[-1]:.1f} over {len(grades)} entries")
    assert median <= 9
