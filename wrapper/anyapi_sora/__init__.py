"""anyapi-sora: create AI videos through AnyAPI's unified video format."""

__version__ = "0.1.0"
