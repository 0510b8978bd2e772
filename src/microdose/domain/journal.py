"""Journal entries: an intention before a dose day, integration after it, free notes."""

from __future__ import annotations

from microdose.domain.errors import InvalidInput

KINDS: tuple[str, ...] = ("intention", "integration", "note")
MAX_LENGTH = 20_000


def check_entry(kind: str, text: str) -> tuple[str, str]:
    """Validate a journal entry's kind and text; returns them normalised."""
    if kind not in KINDS:
        raise InvalidInput("kind", f"{kind!r} is not a journal kind", allowed=", ".join(KINDS))
    stripped = text.strip()
    if not stripped:
        raise InvalidInput("text", "is empty", allowed=f"1 to {MAX_LENGTH:,} characters")
    if len(stripped) > MAX_LENGTH:
        raise InvalidInput(
            "text", f"has {len(stripped):,} characters, more than {MAX_LENGTH:,}",
            f"1 to {MAX_LENGTH:,} characters",
        )
    return kind, stripped
