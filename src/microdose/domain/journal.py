"""Journal entries: an intention before a dose day, integration after it, free notes; tags."""

from __future__ import annotations

import re

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


#: a tag is a word after "#" in the text (letters, digits, "-" and "_"), e.g. "#sleep"
_TAG = re.compile(r"(?<![\w&])#([^\W_][\w-]{0,39})")


def hashtags(text: str) -> tuple[str, ...]:
    """The tags written in an entry, lower-cased, in order of first use."""
    return tuple(dict.fromkeys(tag.lower() for tag in _TAG.findall(text)))


def matches(text: str, words: str = "", tag: str = "") -> bool:
    """Whether an entry's text holds every word of ``words`` (any case) and the ``tag``."""
    lowered = text.lower()
    found = all(word in lowered for word in words.lower().split())
    return found and (not tag or tag.lower().lstrip("#") in hashtags(text))
