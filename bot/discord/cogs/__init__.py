"""One cog per area: ask (questions and mentions), critics (/critic, /critics), admin (/reindex)."""
