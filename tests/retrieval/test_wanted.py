"""A question wanting a release date or a sum of money is answered only by a sentence holding
one, or refused."""

from __future__ import annotations

import pytest

from retrieval.engine import Engine
from retrieval.wanted import wanted


@pytest.mark.parametrize(
    ("question", "answering", "not_answering"),
    [
        ("when does it come out in UK cinemas?", "is out in UK cinemas on the 6th June",
         "it feels exhausting even after the first 60 minutes"),
        ("when is it out in the US?", "It opens in the US in May.",
         "you may walk away disappointed"),
        ("when's it hitting streaming 😭", "On Netflix from 4 July.",
         "is out in UK cinemas on the 6th June"),
        ("uk member here, when does it come out? in cinemas i mean, not streaming",
         "is out in UK cinemas on the 6th June", "It slows down."),
        ("how much did it cost to make lol", "made for $90m", "low-budget fare"),
        ("what was the budget on ballerina?", "a 90 million dollar gamble",
         "how much actual pyrotechnics we’re looking at"),
        ("Did the Film Stories review say when it's coming out on digital/streaming?",
         "Streaming on Peacock from July 4.", "is out in UK cinemas on the 6th June"),
        ("How old was Ana de Armas when they shot this?", "the then-23-year old writer",
         "Ana de Armas meets the physical demands of the role"),
        ("how many mins is keanu actualy in it lol", "only in the movie for a few minutes",
         "Keanu Reeves shows up as John Wick"),
        ("whats it sitting at on rotten tomatoes rn", "It is at 76% on Rotten Tomatoes.",
         "from low-budget fare like Dead Man’s Shoes"),
    ],
)  # fmt: skip
def test_a_sentence_answers_only_with_the_fact_wanted(
    question: str, answering: str, not_answering: str
) -> None:
    wants = wanted(question)
    assert wants is not None
    assert wants.search(answering) and not wants.search(not_answering)


@pytest.mark.parametrize(
    "question",
    [
        "when does this even happen in the wick timeline?",  # when in the story, not released
        "when does keenu pop up, start or end of the movie?",
        "when does the action hit its stride",
        "is it cool when she takes out the guards in the club",
        "does it look low budget?",  # how it looks
        "did the ending pay off",
        "is the violence gross",
        "Was it a hit at the box office?",  # answered in words ("not a huge hit so far")
        "How long was Ballerina delayed before it finally came out?",
    ],
)
def test_other_questions_want_no_one_kind_of_fact(question: str) -> None:
    assert wanted(question) is None


def test_streaming_and_budget_no_review_gives_are_refused(engine: Engine) -> None:
    """Quoted before: "…then hit each other repeatedly with blunt instruments" for "when does it
    hit streaming", a line about pyrotechnics for the budget. The UK release date is quoted."""
    for question in ("when does Ballerina hit streaming, do any of the reviews say?",
                     "how much did it cost to make lol, looks expensive af",
                     "what was the budget on ballerina?",
                     "whats it sitting at on rotten tomatoes rn"):  # fmt: skip
        answer = engine.ask(question, use_llm=False)
        assert not answer.found
        assert answer.text.startswith("No review covers that question."), answer.text
    answer = engine.ask("when does it come out in UK cinemas?", use_llm=False)
    assert answer.found
    assert [c.quote for c in answer.citations] == [
        "From The World Of John Wick: Ballerina is out in UK cinemas on the 6th June."
    ]
