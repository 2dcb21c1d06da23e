"""The one object adapters talk to: index, ask, summary, critics.

CONTRACT (implementation in progress):

    engine = Engine(data_dir, index_dir, embedder=None, llm=None,
                    max_question_chars=1000, default_k=8)
    engine.index(progress=False) -> IndexReport      # one at a time (ReindexBusy); readers keep
                                                     # answering from the previous index meanwhile
    engine.ensure_index() -> IndexReport | None      # builds when there is no index yet
    engine.ask(question, critic=None, film=None, k=None, use_llm=True,
               on_delta=None) -> Answer              # on_delta(chunk: str) while an LLM streams
    engine.summary(critic, use_llm=True, on_delta=None) -> Answer
    engine.critics() -> list[Review]                 # every indexed review, sorted by display name
    engine.find_review(name) -> Review               # id or display name, case-insensitive;
                                                     # raises UnknownCritic with suggestions
    engine.complete_critics(prefix, limit=25) -> list[Review]   # [] on an empty index
    engine.check_question(question) -> str          # stripped; raises BadQuestion

All methods are synchronous and thread-safe; async adapters call them via asyncio.to_thread.
"""
