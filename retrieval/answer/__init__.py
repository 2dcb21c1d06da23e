"""Answer writers: extractive (offline), llm (OpenAI-compatible), and quote verification."""
