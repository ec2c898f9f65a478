"""The autocomplete-while-typing figure: every prefix from three characters is one sample, and the
expected entry's place in the list is what is scored."""

from __future__ import annotations

from dataclasses import dataclass

from bench.faq_accuracy import typing_score


@dataclass
class _Entry:
    id: str


class _Completer:
    """Lists "right" first once "abcd" is typed, second before that; out-of-scope ignored."""

    def autocomplete(self, text: str) -> list[object]:
        return [_Entry("right"), _Entry("other")] if len(text) >= 4 else [_Entry("other"), _Entry("right")]


def test_each_prefix_counts_once_and_out_of_scope_questions_are_skipped() -> None:
    figures = typing_score(_Completer(), [("abcdef", "right"), ("zzzz", None)])
    # prefixes "abc" (rank 2), "abcd", "abcde", "abcdef" (rank 1)
    assert figures["prefixes"] == 4
    assert figures["top1"] == 0.75 and figures["top5"] == 1.0 and figures["listed"] == 1.0
    assert figures["mrr"] == round((0.5 + 3) / 4, 3)


def test_an_entry_never_listed_scores_nothing() -> None:
    figures = typing_score(_Completer(), [("abcd", "missing")])
    assert figures == {"top1": 0.0, "top5": 0.0, "listed": 0.0, "mrr": 0.0, "prefixes": 2}
