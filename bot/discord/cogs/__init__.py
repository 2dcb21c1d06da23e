"""One cog per area: ask (questions and mentions), critics (/critic, /critics), films
(/films), admin (/reindex), reviews (/review)."""
