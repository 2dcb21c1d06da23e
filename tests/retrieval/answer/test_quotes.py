"""Quote verification against the shipped reviews (no model involved)."""

from __future__ import annotations

import pytest

from retrieval.answer.quotes import (
    find_quotes,
    matches,
    normalize,
    occurs_in,
    verify_answer,
)
from retrieval.models import Part

ACTION = "The action is excellent \u2013 as is the standard for the entire franchise"
SHOEHORNED = "His appearances are shoehorned, stopping the narrative flow dead in its tracks."
BANGER = "so it is not surprising to me that BALLERINA has arrived as a total banger"
STORY = "Ballerina\u2019s story is easily its weakest aspect."
SLOWS = (
    "Ballerina takes the John Wick universe and does something unexpected with it"
    "\u2014it slows down."
)


@pytest.fixture
def numbered(shipped, cut):
    """Passages 1-3 as the prompt numbered them."""
    return [
        cut("film-review-ballerina", ACTION).passage,
        cut("total-banger", BANGER).passage,
        cut("seat-at-the-high-table", STORY).passage,
    ]


def test_normalize_folds_only_space_quotes_and_dashes():
    """Whitespace, curly quotes and dashes fold; letters, case and other punctuation do not."""
    folded = normalize("  it\u2019s \u201cfine\u201d \u2014 really\n ok ")
    assert folded == 'it\'s "fine" - really ok'
    assert occurs_in("Ballerina's story is easily", STORY)
    assert not occurs_in("ballerina's story is easily", STORY)
    assert not occurs_in("Ballerina's story is easy", STORY)
    assert not occurs_in("   ", STORY)


def test_find_quotes_reads_straight_curly_nested_and_markers():
    """Straight and curly spans are found with their [n] / [n, m] / [n][m] markers."""
    text = (
        'A says "one two" [3], B says \u201cthree\u201d [1, 2] and C "the \u201cBaba Yaga\u201d '
        'himself" [2][4]; D "typed inside [5]".'
    )
    spans = find_quotes(text)
    assert [(s.quote, s.cited) for s in spans] == [
        ("one two", (3,)),
        ("three", (1, 2)),
        ("the \u201cBaba Yaga\u201d himself", (2, 4)),
        ("typed inside", (5,)),
    ]


def test_ellipsis_is_verified_piecewise_and_in_order():
    """Quotes like "a … b" verify when both parts occur in order in one source, not otherwise."""
    assert matches("His appearances are shoehorned … dead in its tracks", SHOEHORNED)
    assert matches("His appearances are shoehorned ... dead in its tracks", SHOEHORNED)
    assert not matches("dead in its tracks … His appearances are shoehorned", SHOEHORNED)
    assert not matches("His appearances are shoehorned … and thrilling", SHOEHORNED)


def test_trailing_full_stop_inside_quotes_is_allowed_other_changes_are_not():
    """A '.' or ',' just inside the closing mark may be typography; a changed word may not."""
    assert matches("The action is excellent,", ACTION)
    assert matches("it slows down.", SLOWS)
    assert not matches("The action is superb", ACTION)


def test_correct_quote_is_verified(numbered, shipped):
    """A quote found in the passage it cites keeps its citation and is counted verified."""
    out = verify_answer(f'Film Review calls it "{ACTION}" [1].', numbered, shipped)
    assert out.counts == {"verified": 1, "recited": 0, "dropped": 0}
    assert out.text == f"Film Review calls it “{ACTION}” [1]."
    (c,) = out.citations
    assert (c.n, c.review_id, c.quote, c.verified) == (1, "film-review-ballerina", ACTION, True)
    assert c.name == shipped["film-review-ballerina"].display_name


def test_miscited_quote_is_recited_to_the_retrieved_passage_holding_it(numbered, shipped):
    """A quote cited to the wrong passage but present in another retrieved one moves there."""
    out = verify_answer(f'One critic says "{BANGER}" [1].', numbered, shipped)
    assert out.counts == {"verified": 0, "recited": 1, "dropped": 0}
    assert out.citations[0].review_id == "total-banger"
    assert out.text == f"One critic says “{BANGER}” [1]."


def test_quote_from_an_unretrieved_review_is_recited_from_the_corpus(numbered, shipped):
    """A real quote found only outside the retrieved passages is cited to its review."""
    out = verify_answer(f'It "{SLOWS}" [2].', numbered, shipped)
    assert out.counts["recited"] == 1
    assert out.citations[0].review_id == "slows-down-four-stars"


def test_quote_elsewhere_in_the_cited_review_stays_verified(numbered, shipped):
    """A quote from the cited review but outside the cited passage is still that critic's."""
    out = verify_answer('Total banger: "I just run full speed toward them." [2]', numbered, shipped)
    assert out.counts == {"verified": 1, "recited": 0, "dropped": 0}
    assert out.citations[0].review_id == "total-banger"


def test_invented_quote_loses_its_sentence(numbered, shipped):
    """A sentence whose only quote occurs nowhere is removed and counted as dropped."""
    text = f'Film Review praises it: "{ACTION}" [1]. Another says "a triumph of pure dance" [2].'
    out = verify_answer(text, numbered, shipped)
    assert out.counts == {"verified": 1, "recited": 0, "dropped": 1}
    assert "triumph" not in out.text
    assert out.text == f"Film Review praises it: “{ACTION}” [1]."
    assert [c.quote for c in out.citations] == [ACTION]


def test_invented_quote_beside_a_real_one_is_plain_prose(numbered, shipped):
    """In a sentence that also holds a verified quote, the fake one loses its marks and [n]."""
    text = f'It calls the action "{ACTION}" [1] but "a triumph of pure dance" [2] too.'
    out = verify_answer(text, numbered, shipped)
    assert out.counts["dropped"] == 1
    assert out.text == f"It calls the action “{ACTION}” [1] but a triumph of pure dance too."
    assert out.parts[-1] == Part("text", " but a triumph of pure dance too.")
    assert len(find_quotes(out.text)) == 1


def test_scare_quotes_are_unquoted_without_losing_the_sentence(numbered, shipped):
    """A short unattributed quoted phrase found nowhere is just unquoted (and counted)."""
    out = verify_answer('The film is a "dance party" for fans.', numbered, shipped)
    assert out.text == "The film is a dance party for fans."
    assert out.counts["dropped"] == 1


def test_uncited_real_quote_gets_a_citation(numbered, shipped):
    """A real quote with no marker is given its review's citation (counted re-cited)."""
    out = verify_answer(f'Seat at the high table: "{STORY}"', numbered, shipped)
    assert out.text == f"Seat at the high table: “{STORY}” [1]"
    assert out.citations[0].review_id == "seat-at-the-high-table"
    assert out.counts["recited"] == 1


def test_markers_are_renumbered_in_order_and_repeats_share_a_number(numbered, shipped):
    """Citations are numbered by first appearance; the same quote again reuses its number."""
    text = (
        f'First "{STORY}" [3], then "{ACTION}" [1], again "{STORY}" [3]. '
        "Seat at the high table agrees [3]; nobody else does [2]."
    )
    out = verify_answer(text, numbered, shipped)
    reviews = [c.review_id for c in out.citations]
    assert reviews == ["seat-at-the-high-table", "film-review-ballerina"]
    assert out.text == (
        f"First “{STORY}” [1], then “{ACTION}” [2], again “{STORY}” [1]. "
        "Seat at the high table agrees [1]; nobody else does."
    )


def test_out_of_range_marker_is_verified_like_an_uncited_quote(numbered, shipped):
    """A marker naming no passage does not crash; the quote is still looked up everywhere."""
    out = verify_answer(f'"{ACTION}" [9]', numbered, shipped)
    assert out.citations[0].review_id == "film-review-ballerina"
    assert out.counts["recited"] == 1


def test_only_reviews_limits_where_a_quote_may_come_from(numbered, shipped):
    """In a summary of one review, a quote from another review is dropped, not re-cited."""
    text = f'Seat at the high table: "{STORY}" [3]. Also "{ACTION}" [1].'
    out = verify_answer(text, numbered, shipped, only_reviews={"seat-at-the-high-table"})
    assert out.counts == {"verified": 1, "recited": 0, "dropped": 1}
    assert [c.review_id for c in out.citations] == ["seat-at-the-high-table"]


def test_ellipsis_quote_across_adjacent_sentences_verifies(numbered, shipped):
    """Pieces of 4+ words, in order, from two adjacent sentences of one review are verified."""
    text = '"The result is a high-octane extravaganza … But it feels episodic" [1]'
    out = verify_answer(text, numbered, shipped)
    assert out.counts == {"verified": 1, "recited": 0, "dropped": 0}


def test_ellipsis_across_distant_sentences_is_dropped(numbered, shipped):
    """Pieces from far-apart sentences are not one claim, and their span is too long to show."""
    text = 'It says "Advertisements have gone to great lengths … The action is excellent" [1].'
    out = verify_answer(text, numbered, shipped)
    assert out.counts == {"verified": 0, "recited": 0, "dropped": 1}
    assert out.citations == () and out.text == ""


def test_ellipsis_joining_two_reviews_is_dropped(numbered, shipped):
    """Parts that only occur in different reviews are not one critic's words."""
    text = 'Critics: "The action is excellent … arrived as a total banger" [1].'
    out = verify_answer(text, numbered, shipped)
    assert out.counts["dropped"] == 1
    assert out.citations == ()


def test_sentence_removal_takes_markers_and_full_stop_after_the_quote(numbered, shipped):
    """'…death." [3].' goes whole: no stray marker or full stop is left behind."""
    text = f'A says "{ACTION}" [1]. B adds "Eve dances like a prima ballerina of death." [3]. C.'
    out = verify_answer(text, numbered, shipped)
    assert out.text == f"A says “{ACTION}” [1]. C."


def test_short_uncited_phrase_that_exists_is_left_alone(numbered, shipped):
    """'the "John Wick" franchise' gets no citation and is not counted as a quote."""
    out = verify_answer('It extends the "John Wick" franchise.', numbered, shipped)
    assert out.text == "It extends the “John Wick” franchise."
    assert out.citations == () and out.counts == {"verified": 0, "recited": 0, "dropped": 0}


def test_passage_word_and_lists_in_markers_are_understood(numbered, shipped):
    """[Passage 2], [1, 3] and [1 and 3] are read as markers and renumbered."""
    out = verify_answer(f'"{BANGER}" [Passage 2]. Others agree [1 and 3].', numbered, shipped)
    assert out.text == f"“{BANGER}” [1]. Others agree."
