"""A film compared with its series is searched in the critics' words for the series."""

from __future__ import annotations

import pytest

from retrieval.engine import Engine
from retrieval.films import Film
from retrieval.franchise import SERIES, compared_with_series

BALLERINA = Film("From the World of John Wick: Ballerina", 2025, ("Ballerina",), ("r",))


@pytest.mark.parametrize(
    ("subject", "searched"),
    [
        ("it as good as main wick movies tho", "it as good as the previous films, up to the "
         "standards of its predecessors tho"),
        ("it measure up rest franchise", f"it measure up rest {SERIES}"),
        ("it better or worse than previous films series", f"it better or worse than {SERIES}"),
        ("it better than john wicks", f"it better than {SERIES}"),
        ("action compare other films", f"action compare {SERIES}"),
    ],
)  # fmt: skip
def test_the_fans_name_for_the_series_is_searched_as_the_critics_words(
    subject: str, searched: str
) -> None:
    assert compared_with_series(subject, [BALLERINA]) == searched


@pytest.mark.parametrize(
    "subject",
    [
        "besides wick movies what other films compare it",  # films outside the series
        "keanu wick scenes",  # the hero, no comparison
        "it add anything franchise",  # the series, no comparison
        "action better second half",  # a comparison within the film
    ],
)
def test_no_comparison_with_the_series_is_left_as_asked(subject: str) -> None:
    assert compared_with_series(subject, [BALLERINA]) is None


def test_a_comparison_with_the_series_quotes_the_critics_verdict_on_it(engine: Engine) -> None:
    """ "How does it measure up to the rest of the franchise?" was refused, and "is it as good as
    the main wick movies" quoted sentences naming Wick: seat-at-the-high-table's verdict on its
    predecessors answers both, each critic's stance asked for."""
    for question in ("how does it measure up to the rest of the franchise",
                     "is it as good as the main wick movies tho"):  # fmt: skip
        _, asked = engine.prepared(question)
        assert asked.query.intent in ("comparison", "verdict") and not asked.query.overall
        answer = engine.ask(question, use_llm=False)
        assert answer.found and all(c.verified for c in answer.citations)
        assert any("standards set by its predecessors" in c.quote for c in answer.citations)
