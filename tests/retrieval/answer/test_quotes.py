"""Quote verification against the shipped reviews (no model involved)."""

from __future__ import annotations

import pytest

from retrieval.answer.quotes import (
    find_quotes,
    matches,
    normalize,
    occurs_in,
    parse_reply,
    verify,
    verify_answer,
)
from retrieval.corpus import load_reviews
from retrieval.models import Part, Passage, render_plain

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


def test_the_critics_own_ellipsis_is_read_whole(numbered, shipped):
    """ "…is…well, John Wick himself." has the critic's own ellipsis: verified as one piece."""
    own = "Oddly enough, the only major downside of that second half is…well, John Wick himself."
    out = verify_answer(f'"{own}" [3]', numbered, shipped)
    assert out.counts == {"verified": 1, "recited": 0, "dropped": 0}
    assert [c.quote for c in out.citations] == [own]


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
    """'the "Baba Yaga" legend' gets no citation and is not counted as a quote."""
    out = verify_answer('It extends the "Baba Yaga" legend.', numbered, shipped)
    assert out.text == "It extends the “Baba Yaga” legend."
    assert out.citations == () and out.counts == {"verified": 0, "recited": 0, "dropped": 0}


def test_short_uncited_phrase_found_in_a_negated_clause_loses_its_marks(numbered, shipped):
    """ "John Wick" also stands in "isn't trying to be John Wick": no marks, nothing counted."""
    out = verify_answer('It extends the "John Wick" franchise.', numbered, shipped)
    assert out.text == "It extends the John Wick franchise."
    assert out.counts == {"verified": 0, "recited": 0, "dropped": 0}


def test_passage_word_and_lists_in_markers_are_understood(numbered, shipped):
    """[Passage 2], [1, 3] and [1 and 3] are read as markers and renumbered."""
    out = verify_answer(f'"{BANGER}" [Passage 2]. Others agree [1 and 3].', numbered, shipped)
    assert out.text == f"“{BANGER}” [1]. Others agree."


# -- every quote style is a claim -------------------------------------------------------------


def quotes(parts: list[Part]) -> list[tuple[str, int | None]]:
    return [(p.text, p.n) for p in parts if p.kind == "quote"]


def test_parse_reply_finds_every_quote_style():
    """“”, "", ‘’, '', «», »«, „“, ＂＂ and 〝〞 spans are all quote claims with their marker."""
    text = (
        "A “one one” [1], B \"two two\" [2], C ‘three three’ [3], D 'four four' [4], "
        "E «five five» [5], F »six six« [6], G „seven seven“ [7], H ＂eight eight＂ [8], "
        "I 〝nine nine〞 [9]."
    )
    words = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    assert quotes(parse_reply(text)) == [(f"{w} {w}", n) for n, w in enumerate(words, 1)]
    assert "".join(p.text for p in parse_reply(text) if p.kind == "text").startswith("A , B")


def test_apostrophes_are_not_quotes():
    """don't, it's, Reeves' and critics’ are apostrophes: no quote claim, text unchanged."""
    text = "Reeves' cameo won't save it; the critics’ view isn’t kind, and it's 'fine'."
    parts = parse_reply(text)
    assert quotes(parts) == [("fine", None)]
    assert parse_reply("Reeves' cameo and the critics’ praise don't agree.") == [
        Part("text", "Reeves' cameo and the critics’ praise don't agree.")
    ]


def test_line_break_inside_a_quote_is_folded():
    """A quote split across lines is one claim with the break folded to a space."""
    parts = parse_reply("It is “a brilliant\nfabricated line” [2].\nNext line.")
    assert quotes(parts) == [("a brilliant fabricated line", 2)]
    assert [p.kind for p in parts] == ["text", "quote", "text", "break", "text"]


def test_nested_quotes_belong_to_the_outer_quote():
    """Titles and dialogue quoted inside a quote do not split it, in any mark combination."""
    text = (
        "One: “the ‘Baba Yaga’ himself” [1]. Two: “the “Baba Yaga” himself” [2]. "
        'Three: "the "Baba Yaga" himself" [3]. Four: «the "Baba Yaga" himself» [4].'
    )
    assert quotes(parse_reply(text)) == [
        ("the ‘Baba Yaga’ himself", 1),
        ("the “Baba Yaga” himself", 2),
        ('the "Baba Yaga" himself', 3),
        ('the "Baba Yaga" himself', 4),
    ]


def test_markers_are_read_after_and_inside_the_marks():
    """[n], [n, m], [Passage n], [n][m] and a marker typed inside the marks give n = first."""
    text = '"a b" [Passage 4]; "c d" [2, 3]; "e f" [5][1]; "g h [6]"; "i j".'
    assert quotes(parse_reply(text)) == [("a b", 4), ("c d", 2), ("e f", 5), ("g h", 6),
                                         ("i j", None)]  # fmt: skip


def test_markers_after_closing_emphasis_are_the_quotes():
    """`*"words"* [1]` cites passage 1; the closing `*` stays as prose."""
    parts = parse_reply('- *"The action is excellent"* [1] and more')
    assert parts == [Part("text", "- *"), Part("quote", "The action is excellent", 1),
                     Part("text", "*"), Part("text", " and more")]  # fmt: skip


def test_blockquote_lines_are_one_claim():
    """Consecutive `>` lines are one quote (lines folded); the `>` marks are not kept."""
    parts = parse_reply("Critics agree:\n> The first line of it\n> and the second [2]\n\nEnd.")
    assert quotes(parts) == [("The first line of it and the second", 2)]
    assert not any(">" in p.text for p in parts)
    inner = parse_reply("> Film Review: “The action is excellent” [1]")
    assert quotes(inner) == [("The action is excellent", 1)]


def test_unpaired_double_mark_is_removed():
    """A quote mark that pairs with nothing goes, so no prose is left looking quoted."""
    parts = parse_reply("It is “a masterpiece of everything. Really [1].")
    assert quotes(parts) == []
    assert render_plain(parts) == "It is a masterpiece of everything. Really [1]."


# -- a quote is a claim about its source ------------------------------------------------------

WISEMAN = "That’s not to say any of Len Wiseman’s action beforehand is bad."
ECONOMY = (
    "By modern standards, Ballerina isn’t that long – it’s roughly two hours, making it a "
    "masterpiece of economy compared to the 169 minutes of John Wick: Chapter 4."
)
OWN = (
    "Ballerina is not a masterpiece of modern action cinema, but it is a lot of fun. "
    "I would never recommend it to anyone. "
    "After two hours of this, I would never recommend it to anyone who values a story. "
    "The film is not " + "long and " * 50 + "a triumph of choreography."
)


@pytest.fixture(scope="module")
def corpus(shipped, tmp_path_factory):
    """The shipped reviews plus a small review of our own holding negated sentences."""
    folder = tmp_path_factory.mktemp("own")
    (folder / "own.md").write_text(
        f'---\nid: own\nfilm: "Ballerina"\ncritic: Pat Tester\n---\n\n{OWN}\n', encoding="utf-8"
    )
    return {**shipped, **{r.id: r for r in load_reviews(folder)}}


@pytest.fixture
def passages(corpus):
    """Passage 1: seat-at-the-high-table's Wiseman sentence; 2: Film Stories; 3: our review."""
    seat, film = corpus["seat-at-the-high-table"].body, corpus["filmstories-en-pointe-or-tutu-much"]
    own = corpus["own"].body
    at, fs = seat.index(WISEMAN), film.body.index(ECONOMY)
    return [
        Passage("s", "seat-at-the-high-table", 0, at, at + len(WISEMAN), WISEMAN),
        Passage("f", film.id, 0, fs, fs + len(ECONOMY), ECONOMY),
        Passage("o", "own", 0, 0, len(own), own),
    ]


def check(text, passages, corpus):
    out = verify_answer(text, passages, corpus)
    return out, [c.quote for c in out.citations]


def test_dropped_negation_widens_to_the_sentence(passages, corpus):
    """From "That's not to say any of … is bad." the quote of the tail shows the whole sentence."""
    out, cited = check("It says “any of Len Wiseman's action beforehand is bad” [1].", passages,
                       corpus)  # fmt: skip
    assert cited == [WISEMAN]
    assert out.text == f"It says “{WISEMAN}” [1]."
    assert out.counts == {"verified": 0, "recited": 0, "dropped": 1}


def test_not_a_masterpiece_is_not_a_masterpiece(passages, corpus):
    """ "not a masterpiece of …" quoted as "a masterpiece of …" shows the critic's sentence."""
    out, cited = check("Pat calls it “a masterpiece of modern action cinema” [3].", passages,
                       corpus)  # fmt: skip
    assert cited == [
        "Ballerina is not a masterpiece of modern action cinema, but it is a lot of fun."
    ]
    assert out.counts["dropped"] == 1


def test_short_quote_is_not_moved_to_another_review(passages, corpus):
    """“a masterpiece” [3] is judged in review 3 only, not re-cited to a review that has it."""
    out, cited = check("Pat: “a masterpiece” [3].", passages, corpus)
    assert [c.review_id for c in out.citations] == ["own"]
    assert cited[0].startswith("Ballerina is not a masterpiece")


def test_uncited_short_phrase_negated_somewhere_is_not_in_marks(passages, corpus):
    """Uncited “a masterpiece” cannot stand in marks while Pat wrote "not a masterpiece"."""
    out, cited = check("Critics call it “a masterpiece”.", passages, corpus)
    assert out.text == "Critics call it a masterpiece." and cited == []


def test_clause_after_but_is_its_own_claim(passages, corpus):
    """The negation before ", but" does not reach "it is a lot of fun"."""
    out, cited = check("Pat adds “it is a lot of fun” [3].", passages, corpus)
    assert cited == ["it is a lot of fun"] and out.counts["verified"] == 1


def test_ellipsis_splice_of_two_clauses_is_widened(passages, corpus):
    """“Ballerina isn't … a masterpiece” (pieces under 4 words) shows the real sentence."""
    out, cited = check("Film Stories: “Ballerina isn't … a masterpiece” [2].", passages, corpus)
    assert cited == [ECONOMY] and out.counts["dropped"] == 1


def test_piece_ending_on_a_negation_is_widened(passages, corpus):
    """A 4-word piece ending on "isn't" before an ellipsis would re-aim the negation."""
    text = "“By modern standards, Ballerina isn’t … a masterpiece of economy compared” [2]"
    out, cited = check(text, passages, corpus)
    assert cited == [ECONOMY] and out.counts["dropped"] == 1


def test_ellipsis_over_never_is_widened(passages, corpus):
    """“I would … recommend it to anyone” from "I would never recommend it to anyone"."""
    out, cited = check("Pat: “I would … recommend it to anyone” [3].", passages, corpus)
    assert cited == ["I would never recommend it to anyone."]
    long = "“After two hours of this, I would … recommend it to anyone who values a story” [3]"
    out, cited = check(long, passages, corpus)
    assert cited == [
        "After two hours of this, I would never recommend it to anyone who values a story."
    ]
    assert out.counts["dropped"] == 1


def test_widening_too_long_drops_the_quote(passages, corpus):
    """When the negated sentence is over WIDEN_MAX characters, the quote goes."""
    out, cited = check("Fine. Pat says “a triumph of choreography” [3].", passages, corpus)
    assert cited == [] and out.text == "Fine." and out.counts["dropped"] == 1


def test_part_of_a_question_is_not_a_statement(passages, corpus):
    """“as good as the JOHN WICKs” comes from the question "Is it as good as the JOHN WICKs?"."""
    out, cited = check("“as good as the JOHN WICKs” [1]", passages, corpus)
    assert cited == ["Is it as good as the JOHN WICKs?"] and out.counts["dropped"] == 1


def test_quote_must_match_whole_words(passages, corpus):
    """“The action is excel” is not in "The action is excellent": the sentence goes."""
    out, _ = check("Great. It says “The action is excel” [2].", passages, corpus)
    assert out.text == "Great." and out.counts["dropped"] == 1


def test_fabricated_quotes_in_every_style_are_dropped(passages, corpus):
    """Fabrications in «», ‘’, ＂＂, a blockquote and across a line break are all dropped."""
    text = (
        f"Real: “{WISEMAN}” [1]\n"
        "A says «a flawless masterpiece of the genre» [2].\n"
        "B says ‘a flawless masterpiece of the genre’ [2].\n"
        "C says ＂a flawless masterpiece of the genre＂ [2].\n"
        "> a flawless masterpiece of the genre [2]\n"
        "D says “a flawless masterpiece\nof the genre” [2]."
    )
    out, cited = check(text, passages, corpus)
    assert cited == [WISEMAN]
    assert out.counts == {"verified": 1, "recited": 0, "dropped": 5}
    assert "flawless" not in out.text


def test_extractive_parts_go_through_the_same_verify(passages, corpus):
    """Name, break and quote parts built directly keep their shape; the quote is numbered."""
    parts = [Part("name", "Seat at the high table"), Part("break"), Part("quote", WISEMAN, 1)]
    out = verify(parts, passages, corpus)
    assert out.parts == (Part("name", "Seat at the high table"), Part("break"),
                         Part("quote", WISEMAN, 1))  # fmt: skip
    assert out.counts == {"verified": 1, "recited": 0, "dropped": 0}
