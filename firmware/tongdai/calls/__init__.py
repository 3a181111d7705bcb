"""Call flows: coroutines that drive the media engine's channels (DESIGN.md)."""
