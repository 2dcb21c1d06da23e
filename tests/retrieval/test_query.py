"""What a question asks (query.analyse) against the shipped reviews' vocabulary."""

from __future__ import annotations

import pytest

from retrieval.chat import chat_spelling
from retrieval.engine import Engine
from retrieval.query import Query, analyse


def _analyse(engine: Engine, question: str) -> Query:
    searcher = engine._require().searcher
    return analyse(question, searcher.lexical.has, searcher.vocabulary)


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("What did critics say about Hans Zimmer's score?", ("Hans Zimmer",)),
        ("what did they think of the billie ellish song", ("billie ellish",)),
        ("Did anyone mention IMAX?", ("IMAX",)),
        # The reviews have a Jason (Bourne, Ballantine): a first name then an unknown word.
        ("jason statham", ("jason statham",)),
        ("does donnie yen's blind guy get a cameo", ("donnie yen",)),
        ("is halle berry in it?", ("halle berry",)),  # rare words ending in a surname
        ("is tom hardy in it", ("tom hardy",)),  # a surname that is an adjective too
        # a name told before the question and pointed back to; a name after the question
        ("my friend loves zendaya. is she in it?", ("zendaya",)),
        ("does caine show up at all?? donnie yen cameo would be PEAK", ("donnie yen",)),
    ],
)
def test_names_no_review_uses_are_missing_in_any_case(
    engine: Engine, question: str, missing: tuple[str, ...]
) -> None:
    assert _analyse(engine, question).missing == missing


@pytest.mark.parametrize(
    "question",
    [
        "does it turn into one of those hitman-has-to-babysit-a-kid movies?",
        "the guy who types every movie title in ALL CAPS, which podcast did he recommend?",
        "Is the fight choreography any good?",
        "that showdown in the old derelict playhouse, is it any good?",  # rare words, no name
        "will the fights be good?",  # a first name that is an everyday word
        # someone saying something of a scene names no scene
        "sombody said every fight goes shoot n miss. which reveiw was that lol",
        # the fan's context before the question, in lower case; "Mr Wick" is Wick
        "I do enjoy a good dust-up in a discotheque. What did they make of the nightclub fight?",
        "A friend at the club mentioned a sequence where the heroine fights with some sort of "
        "fire weapon. Which reviews talk about that scene?",
    ],
)
def test_compounds_and_shouting_name_nobody(engine: Engine, question: str) -> None:
    """A hyphenated description and common words in capitals are not names to refuse by."""
    assert _analyse(engine, question).names == ()


def test_an_honorific_is_no_part_of_a_name(engine: Engine) -> None:
    query = _analyse(engine, "does she kill like Mr Wick himself?")
    assert query.names == ("Wick",) and query.missing == ()


def test_framing_words_inside_a_compound_stay(engine: Engine) -> None:
    """Framing words are removed as whole words only, not out of "hitman-has-to-babysit"."""
    query = _analyse(engine, "does it turn into a hitman-has-to-babysit-a-kid movie?")
    assert "hitman-has-to-babysit-a-kid" in query.subject.split()


def test_typos_are_mended_from_the_reviews_vocabulary(engine: Engine) -> None:
    query = _analyse(engine, "how was the flamethower scene?")
    assert query.corrections == {"flamethower": "flamethrower"}
    assert query.names == ()


@pytest.mark.parametrize(
    ("question", "corrections"),
    [
        ("was the wepon shop scene a rehash?", {"wepon": "weapon"}),  # reviews say "weapons"
        ("did the reveiwers like the grenade kills", {"reveiwers": "reviewers"}),  # asking
        ("who plays charron's counterpart?", {"charron's": "charon's"}),  # a possessive
    ],
)
def test_typos_of_plurals_and_of_asking_words_are_mended(
    engine: Engine, question: str, corrections: dict[str, str]
) -> None:
    """A typo of a word the reviews use only in the plural, or of a word questions ask with
    and reviews need not use, is mended, not refused as a name ("No review mentions wepon.")."""
    query = _analyse(engine, question)
    assert query.corrections == corrections and query.missing == ()


@pytest.mark.parametrize(
    ("question", "corrections"),
    [
        ("is anjelica houston good in it?", {"houston": "huston"}),  # a name typed as a word
        ("is it worth paying extra for imax?", {}),  # not "playing": as common as it is
        ("who brought the continental show into it?", {}),  # not "bought"
        ("does caine get a cameo?", {}),  # not "cabin": two edits in five letters
    ],
)
def test_correctly_spelt_words_are_not_mended(
    engine: Engine, question: str, corrections: dict[str, str]
) -> None:
    assert _analyse(engine, question).corrections == corrections


@pytest.mark.parametrize(
    "question",
    [
        "the review whose headline is just 'Film Review – Ballerina': how is the fighting?",
        "In the Film Review - Ballerina review, how is the fighting?",  # a hyphen for the dash
    ],
)
def test_a_headline_typed_in_full_scopes_the_answer(engine: Engine, question: str) -> None:
    """A review's own headline names it, however its dash is typed; the film's name does not."""
    _, asked = engine.prepared(question)
    assert asked.scope == {"film-review-ballerina"}
    assert "Ballerina" not in asked.query.subject
    _, film = engine.prepared("What did critics think of Ballerina's fights?")
    assert film.scope is None


def test_names_are_looked_up_by_their_rarest_word() -> None:
    """A word every headline shares ("Review 7 of …") brings up none of them, so a question
    saying "review" tests no headlines; a headline typed in full still names its review."""
    from retrieval.describe import bylines, described
    from retrieval.models import Review

    reviews = {
        f"r{i}": Review(f"r{i}", "Heat", "Body.", f"r{i}.md", str(i), title=f"Review {i} of Heat")
        for i in range(1, 40)
    }
    index = bylines(reviews)
    assert "review" not in index and "heat" not in index
    assert max(len(names) for names in index.values()) == 1
    found = described("What does Review 17 of Heat say?", reviews, lambda term: set(), index)
    assert found is not None and found.review.id == "r17"


@pytest.mark.parametrize(
    ("question", "age_rating", "intent"),
    [
        ("is it rated R or pg-13?", True, "topic"),
        ("what age certificate did it get?", True, "topic"),
        ("What rating did critics give it?", False, "rating"),
        ("how many stars out of five did it get?", False, "rating"),
    ],
)
def test_age_ratings_are_not_critics_ratings(
    engine: Engine, question: str, age_rating: bool, intent: str
) -> None:
    query = _analyse(engine, question)
    assert (query.age_rating, query.intent) == (age_rating, intent)


@pytest.mark.parametrize(
    ("question", "titles"),
    [
        ("is it any good?", ()),
        ("did the critics like it?", ()),
        ("thumbs up or thumbs down?", ()),
        ("is it wroth seeing in cinemas", ()),  # mended, then a verdict
        ("ok real talk, is it worth seeing or nah", ()),
        ("should i watch ballerina this weekend", ("ballerina",)),  # the film is no topic
        ("is this movie decent? thinking of going friday", ()),
        ("any1 know if its worth it", ()),  # chat spelling: "anyone"
        ("should i bother with ballerina or just wait for streaming", ("ballerina",)),
        ("would u recommend it", ()),
    ],
)
def test_going_to_see_it_at_all_asks_for_overall_verdicts(
    engine: Engine, question: str, titles: tuple[str, ...]
) -> None:
    """A verdict question with no topic (chat and the film's own name aside) is `overall`."""
    searcher = engine._require().searcher
    query = analyse(question, searcher.lexical.has, searcher.vocabulary, frozenset(titles))
    assert query.intent == "verdict" and query.overall


def test_a_consensus_with_no_topic_is_overall_too(engine: Engine) -> None:
    """ "So what's the consensus?" compares the critics' overall verdicts."""
    query = _analyse(engine, "so whats the consensus, is it worth a watch")
    assert query.intent == "comparison" and query.overall
    assert not _analyse(engine, "do the reviewers agree on the direction?").overall


@pytest.mark.parametrize(
    ("typed", "read"),
    [("goin", "going"), ("lookin'", "looking"), ("any1", "anyone"), ("Some1", "someone"),
     ("tmrw", "tomorrow"), ("alot", "a lot"), ("ch3", "chapter 3"), ("pt2", "part 2"),
     ("draaag", "drag"), ("sooo", "so"), ("reeeally", "really"), ("gooood", "good"),
     ("raisin", "raisin"), ("begin", "begin"), ("robin", "robin"), ("zzzyx", "zzzyx")],
)  # fmt: skip
def test_chat_spelling_is_read_as_english(typed: str, read: str) -> None:
    """A dropped g, "any1" and a stretched word are read as the word meant; real words ending in
    -in stay, and so does a stretched word that stretches nothing common."""
    assert chat_spelling(typed) == read


@pytest.mark.parametrize(
    "question",
    [
        "should I go if I only care about the action?",
        "is it as good as the actual john wick movies?",
        "should i watch ballerina this weekend",  # the film's title unknown: a topic
        "what did critics say about the score?",
    ],
)
def test_a_verdict_on_a_topic_is_not_overall(engine: Engine, question: str) -> None:
    """A question about the action, the series, or any topic is answered on that topic."""
    assert not _analyse(engine, question).overall


def test_a_verdict_on_someone_the_reviews_name_is_about_them(engine: Engine) -> None:
    """ "Is it worth it for him" after naming Keanu (typed in lower case, mistyped) asks about
    Keanu, not about the film as a whole; the same words with no one named do not."""
    _, asked = engine.prepared("how much is keenu actually in it? is it worth it for him")
    assert not asked.query.overall
    _, asked = engine.prepared("so is it actually worth it or nah")
    assert asked.query.overall


def test_how_it_was_received_asks_for_the_verdicts(engine: Engine) -> None:
    """ "How well was it received?" asks for a verdict (it was read as a topic and refused)."""
    _, asked = engine.prepared("Could someone summarise how well Ballerina was received?")
    assert asked.query.intent == "verdict" and asked.query.overall


def test_a_name_the_reviews_use_does_not_answer_for_one_they_do_not(engine: Engine) -> None:
    """ "Is X back from jw3? she was in parabellum": the reviews write "Parabellum", but the
    question is about a name none of them uses, so it is still refused by that name."""
    answer = engine.ask("is unity phelan back from jw3? she was the ballerina in parabellum")
    assert not answer.found and answer.text.startswith("No review mentions jw3.")


@pytest.mark.parametrize(
    ("question", "corrections", "missing"),
    [
        ("what did they say about keanus screentime", {"screentime": "screen time"}, ()),
        ("were the fightscenes good", {"fightscenes": "fight scenes"}, ()),
        ("what about lance reddick", {}, ()),  # a census surname, not "red dick"
        ("is jason statham in it", {}, ("jason statham",)),
        # a name the reviews use, typed as one word
        ("dearmas acting tho?? not the fights", {"dearmas": "de armas"}, ()),
        ("keanureeves cameo?", {"keanureeves": "keanu reeves"}, ()),
    ],
)
def test_two_words_typed_as_one_are_not_a_name(
    engine: Engine, question: str, corrections: dict[str, str], missing: tuple[str, ...]
) -> None:
    """A closed compound of everyday words ("screentime") is read as its two words, not refused
    as a name no review mentions; real names are left whole."""
    query = _analyse(engine, question)
    assert {k: v for k, v in query.corrections.items() if " " in v} == corrections
    assert query.missing == missing


@pytest.mark.parametrize(
    ("question", "review", "subject"),
    [
        ("whoever gave it 4/5, what did they say about keanu", "slows-down-four-stars", "keanu"),
        ("anyone who gave it four stars talk about the flashbacks?", "slows-down-four-stars",
         "flashbacks"),
        ("the one who brought up dead mans shoes — did the revenge story land for them",
         "filmstories-en-pointe-or-tutu-much", "revenge story land"),
        ("that filmstories.co.uk link someone posted, does it mention the soundtrack",
         "filmstories-en-pointe-or-tutu-much", "someone posted it soundtrack"),
        ("high table reviewer thoughts on the ballet training stuff?", "seat-at-the-high-table",
         "ballet training stuff"),
        ("the tutu one - did they like the fights", "filmstories-en-pointe-or-tutu-much",
         "like fights"),
        ("did the film stories guy like de armas", "filmstories-en-pointe-or-tutu-much",
         "like de armas"),
        # the description ends before a later verb of asking; the critic's own verb ("joked")
        # is not a word to look for in the reviews
        ("does the review that complains about the ads and posters think it adds anything new",
         "film-review-ballerina", "it adds new"),
        ("does the one who joked they didn't teach tactics at murder school feel any emotion",
         "filmstories-en-pointe-or-tutu-much", "emotion"),
        # a word rare in English that one review alone uses picks it even for "the … guy"
        ("the POLTERGEIST game guy: was the fire fight good?", "total-banger",
         "fire fight good"),
        # a headline opening the question; "teh" for "the"
        ("en pointe or tutu much review, do they say anything about the action?",
         "filmstories-en-pointe-or-tutu-much", "action"),
        ("teh reviewer who brought up the switchboard receptionists, did they like the action",
         "film-review-ballerina", "like action"),
        # chat's "w" for "with"; an emoji asks nothing
        ("the one w the tutu pun in the headline 🩰 did they like the fights",
         "filmstories-en-pointe-or-tutu-much", "like fights"),
    ],
)  # fmt: skip
def test_a_described_critic_scopes_and_leaves_the_topic(
    engine: Engine, question: str, review: str, subject: str
) -> None:
    """The description ("whoever gave it 4/5", "the one who brought up X —", "that <url> link",
    "high table reviewer") picks its review and is cut out with the words that framed it: what
    is left is the topic, not the description's remains nor nothing at all."""
    _, asked = engine.prepared(question)
    assert asked.scope == {review}
    assert asked.query.subject == subject
    assert not asked.missing


@pytest.mark.parametrize(
    ("question", "reviews"),
    [
        ("did the four star guy like the action more than the one who thought the story was "
         "thin?", {"slows-down-four-stars", "filmstories-en-pointe-or-tutu-much"}),
        ("the tutu one vs the total banger guy: who liked keanu's cameo more?",
         {"filmstories-en-pointe-or-tutu-much", "total-banger"}),
        # one critic, two topics: "and the story" describes no second critic
        ("what did the four star review say about the action and the story",
         {"slows-down-four-stars"}),
    ],
)  # fmt: skip
def test_two_critics_described_are_both_asked_about(
    engine: Engine, question: str, reviews: set[str]
) -> None:
    """ "… than the one who …", "… vs the …": a second critic described beside the first joins
    the scope, and the question compares their views."""
    _, asked = engine.prepared(question)
    assert asked.scope == reviews
    if len(reviews) == 2:
        assert asked.query.intent == "comparison" and " and " in asked.note


@pytest.mark.parametrize(
    "question",
    [
        "the blogger who swears a lot — was the keanu cameo worth it?",
        "what did the sweary reviewer say about ana de armas",
        "the guy who types every movie title in ALL CAPS, which podcast did he recommend?",
    ],
)
def test_a_critic_described_by_how_they_write(engine: Engine, question: str) -> None:
    """Swearing, titles in capitals (manner.py): the one review that writes so, by far."""
    _, asked = engine.prepared(question)
    assert asked.scope == {"total-banger"}


def test_a_follow_up_naming_only_a_critic_asks_for_their_verdict(engine: Engine) -> None:
    """ "hm and the guy who called it a total banger?": that critic's overall verdict ("hm" is
    chat filler, no topic); two critics and no topic: each one's verdict."""
    _, asked = engine.prepared("hm and the guy who called it a total banger?")
    assert asked.scope == {"total-banger"} and asked.query.overall
    _, both = engine.prepared("sum up the tutu one vs the total banger one")
    assert len(both.scope or ()) == 2 and both.query.overall


def test_a_critic_described_with_a_typo_scopes_the_answer(engine: Engine) -> None:
    """ "the 4 star reviewr": the description is read once its typos are mended, and the rating
    that describes the critic is not what the question asks for."""
    _, asked = engine.prepared("the 4 star reviewr mentions the theatre fight, what did they say")
    assert asked.scope == {"slows-down-four-stars"}
    assert asked.query.intent == "topic"


@pytest.mark.parametrize(
    "question",
    [
        "keanu's cameo - did any review like it",  # a topic, then a dash
        "does the main guy from the original films show up much?",  # a person in the film
        "any vehicle chases like the motorcycle stuff in the older ones?",  # earlier films
        # every critic, not one
        "the whole 'choose your path' vs fate theme, did that land for any of the critics?",
        # a scene described up to a dash, then the question
        "the scene where john wick visits the ruska roma and eve talks to him — what did "
        "reviewers think",
        # "did any reviewer": every critic ("stage lights" is in one review's text)
        "that fight in the old abandoned theatre under the stage lights did any reviewer like it",
    ],
)
def test_people_and_films_are_no_critic_described(engine: Engine, question: str) -> None:
    """ "the main guy", "the older ones" describe a review only by what is known of it (rating,
    title, outlet, critic, URL), not by a word of its text: here they describe none."""
    _, asked = engine.prepared(question)
    assert asked.scope is None


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("the town where everyone is an assassin lmaooo did the reviews like it", "town where"),
        ("ngl is the action good fr", "action good"),
        ("does it add to the lore or is it the same stuff rehashed", "rehashed"),
        ("who was the kameraman/cinematographer", "kameraman/cinematographer"),
        ("the bit where she's torching dudes with fire, is it sick", "torching dudes"),
        ("ok tldr pls, is the action good or is it cooked??", "action good"),
        ("wait the film stories guy... did they straight up hate the action or what", "action"),
        # words that only describe or do, however rare: adjectives, an irregular past
        ("is it preachy", "preachy"),
        ("hows the dialogue? is it cringy", "cringy"),
        ("can you tell they redid a bunch of it", "redid"),
        ("what did the sweary reviewer say about the action", "sweary"),
        # a common word that starts a sentence is capitalised, not a name
        ("Bottom line: is it a fun time at the movies?", "Bottom line"),
        ("was there production drama or smth", "production drama"),
        # a typo of an everyday word no review uses; a first name before an everyday word
        ("I have a bad habbit of walking out if the first 20 mins are boring", "bad habit"),
        ("was anyone hapy to see keanu turn up?", "happy"),
        ("is ana de armus actualy beleivable in the fiting scenes??", "believable"),  # a swap
        ("did the nightclub fite hit?? 🥊 club fights r the best", "nightclub fight hit club"),
        # a review's "actress" is no plural of "actres"; "whos" is "who's"
        ("whos the actres playing charons counterpart", "who actress playing"),
        ("do any of them actually want more eve / a sequel?", "sequel"),
        # a verb alone, though a census surname too
        ("the review hypes an abandoned theatre scene, what happens in it?", "hypes"),
        # chat's units; the critics' own scores are no thing of the film's
        ("how long is it? runtime in mins or hours", "runtime minutes"),
        ("can some1 summrize the film storys review", "summarize"),  # an asking word's typo
        ("if you converted the critics' scores to a mark out of 10, what would it get?", "scores"),
        # addressing the bot; a question in capitals; a typo of "the"
        ("@reviewbot is keanu actually in it for more than like 5 mins", "keanu"),
        ("WAIT IS THE CHANCELLOR THE GUY WHO KILLED EVES DAD", "KILLED EVES DAD"),
        ("what's the chancellor's whole philosophy thing in the movie?", "whole philosophy"),
        # film talk: the acronym read as what critics write
        ("who was the DP on ballerina", "cinematographer"),
        ("is it mostly CGI?", "cgi digital effects"),
    ],
)
def test_chat_filler_inflections_and_slashes_name_nobody(
    engine: Engine, question: str, subject: str
) -> None:
    """Chat filler ("lmaooo", "ngl", "fr") is dropped like framing words; an inflected word
    ("rehashed") and a word slashed with one the reviews use ("kameraman/cinematographer") are no
    names to refuse by."""
    query = _analyse(engine, question)
    assert subject in query.subject
    assert not {"lmaooo", "lmao", "ngl", "fr"} & set(query.subject.lower().split())
    assert query.missing == ()


@pytest.mark.parametrize(
    "question",
    [
        "whats it rated? is it a 15 or an 18",
        "ok to take my 13 yr old nephew?",
        "is it kid friendly",
    ],
)
def test_more_age_rating_questions(engine: Engine, question: str) -> None:
    """A certificate asked in chat words is an age rating, never a critic's "Rating: 4 of 5"."""
    assert _analyse(engine, question).age_rating


@pytest.mark.parametrize(
    "question",
    ["angelica houston as the lady who runs the ballet school, is she good?",
     "the one who runs the ballet school, is she good?",
     "the old guy who runs the hotel, is he back?"],
)  # fmt: skip
def test_a_person_in_the_film_is_no_critic_described(engine: Engine, question: str) -> None:
    """ "the lady who runs the ballet school" is a character: only a critic's doing ("the guy who
    hated the marketing") makes "the guy/lady/one who …" a described critic by the text."""
    _, asked = engine.prepared(question)
    assert asked.scope is None


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("did anyone compare it to kill bill", ("kill bill",)),
        ("did any reviewer bring up the matrix", ("matrix",)),
        ("which critic brought up the katana / sword fight?", ("katana / sword fight",)),
        ("did anyone mention the horse chase", ("horse chase",)),
        ("which reviewer talked about the horse chase?", ("horse chase",)),
        ("did anybody talk about the fight in the old abandoned theater", ()),
        ("anyone seen it in 4DX?? worth the extra or just do imax", ("4DX", "imax")),  # formats
        ("it's 2 hrs right?", ()),
        ("did any reviewer bring up the Continental tv show?", ()),  # "miniseries" in a review
        ("did anyone mention the music or the score", ()),  # everyday words: maybe paraphrased
        ("anyone mention that wiseman did underworld", ()),
        ("which reviewer compares ana's acting here to kill bill?", ("kill bill",)),
        # a dash ends what is asked after; "a couple of other films" is how many, not what
        ("the four-star critic compares it to a couple of other films — which ones?", ()),
    ],
)
def test_asked_whether_a_review_names_it(
    engine: Engine, question: str, missing: tuple[str, ...]
) -> None:
    """ "Did anyone mention / bring up / compare it to X": X is a name to check, in lower case
    too, when no review uses (half) its words; an everyday word alone is left to the ranker."""
    assert _analyse(engine, question).missing == missing


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("what did ppl say about the casino shootout scene", ("casino shootout",)),
        ("is the romance subplot any good or does it slow things down", ("romance subplot",)),
        ("is there a post credits scene worth staying for", ("post credits scene",)),
        ("worth paying extra to see it in imax or 3d?", ("imax", "3d")),
        ("how was the nightclub fight?", ()),  # a review names it
        ("did the redone scenes help or hurt the movie?", ()),  # described, not named
        ("the plate smashing kitchen fight, was it good?", ()),  # "plate" is in a review
        ("did anyone think ana de armas's accent was distracting", ("accent",)),
        ("what did they say about keanu's cameo", ()),
        ("the bit where she's torching dudes with fire", ()),  # "she's" is "she is"
        ("any comments on gabriel byrne's irish accent", ("irish accent",)),
        ("was eve's character arc any good", ()),  # her character: the reviews' word
        # opening the question with no article; not the article-less words before "the …"
        ("post credit scene?! do i need to stay lol", ("post credit scene",)),
        ("nightclub fight?? every jw movie has to have one", ()),
        ("lowkey the training montage went on forever, did ppl like it", ()),
        # "X and Y": each on its own ("flashback" is a review's word)
        ("what did they think of the flashback and dream sequences?", ()),
    ],
)
def test_a_scene_or_format_named_in_its_own_words(
    engine: Engine, question: str, missing: tuple[str, ...]
) -> None:
    """ "The casino shootout", "the romance subplot", "imax", "ana's accent": a scene, thread,
    format or someone's thing named by words that can name a thing, none of which a review
    uses, is checked like a name; words that only describe ("redone", "smashing") are left to
    the ranker."""
    assert _analyse(engine, question).missing == missing


def test_the_other_spelling_is_the_reviews_word(engine: Engine) -> None:
    """American "theater" is read as the reviews' British "theatre", so it matches them."""
    query = _analyse(engine, "how was the fight in the old abandoned theater")
    assert query.corrections == {"theater": "theatre"} and query.missing == ()


@pytest.mark.parametrize(
    ("question", "review"),
    [
        ("sum up the 4/5 review for me", "slows-down-four-stars"),
        ("what did film stories think overall", "filmstories-en-pointe-or-tutu-much"),
        ("overall verdict from the one who raved about the grenade belt kill?",
         "seat-at-the-high-table"),
        ("wait the film stories review... did they straight up hate it or what",
         "filmstories-en-pointe-or-tutu-much"),
    ],
)  # fmt: skip
def test_one_critic_with_no_topic_is_their_verdict(
    engine: Engine, question: str, review: str
) -> None:
    """One critic asked about with no topic left is asked for that critic's verdict."""
    _, asked = engine.prepared(question)
    assert asked.scope == {review} and asked.query.overall
