"""aidi — the AI Development Index toolkit."""

__version__ = "0.1.0"
