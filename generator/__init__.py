"""llmcards: load, validate, derive and render LLM spec cards."""

__version__ = "0.1.0"
