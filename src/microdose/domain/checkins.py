"""Daily check-ins: six 0–10 ratings, side effects, and the blinded guess."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from microdose.domain.errors import InvalidInput

RATINGS: tuple[str, ...] = ("mood", "anxiety", "energy", "focus", "sleep", "connectedness")
#: the rating every check-in asks; the others are asked when the person tracks them
ALWAYS_ASKED = "mood"
RATING_MIN, RATING_MAX = 0, 10

#: Side effects reported with microdosing (the adverse-event categories of the safety screen).
SIDE_EFFECTS: tuple[str, ...] = (
    "anxiety",
    "restlessness",
    "jitteriness",
    "headache",
    "nausea",
    "insomnia",
    "low mood",
    "lightheadedness",
    "drowsiness",
    "difficulty focusing",
    "perceptual effects",
    "other",
)
GUESSES: tuple[str, ...] = ("active", "placebo", "unsure")


@dataclass(frozen=True)
class CheckinInput:
    """A validated check-in for one local day."""

    day: date
    #: every name in RATINGS; None for a rating the person does not track
    ratings: Mapping[str, int | None]
    side_effects: tuple[str, ...] = ()
    notes: str | None = None
    guess: str | None = None
    guess_confidence: int | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    #: the person's daily factors asked that day, yes or no (domain.factors)
    factors: Mapping[str, bool] = field(default_factory=dict)


def normalise_side_effect(name: str) -> str:
    """Map ``"Low-Mood"`` or ``"low_mood"`` to the vocabulary's ``"low mood"``."""
    key = " ".join(name.replace("-", " ").replace("_", " ").lower().split())
    if key not in SIDE_EFFECTS:
        raise InvalidInput("side-effect", f"{name!r} is not known", allowed=", ".join(SIDE_EFFECTS))
    return key


def tracked_ratings(names: Iterable[str] | None) -> tuple[str, ...]:
    """The ratings a person is asked, in the domain's order (None: all; mood always)."""
    if names is None:
        return RATINGS
    chosen = set(names)
    unknown = sorted(chosen - set(RATINGS))
    if unknown:
        raise InvalidInput("ratings", f"{unknown[0]!r} is not a rating", ", ".join(RATINGS))
    return tuple(n for n in RATINGS if n == ALWAYS_ASKED or n in chosen)


def check_rating(name: str, value: object) -> int:
    """A rating must be a whole number 0–10."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(name, f"{value!r} is not a whole number", allowed="0-10")
    if not RATING_MIN <= value <= RATING_MAX:
        raise InvalidInput(name, f"{value} is out of range", allowed="0-10")
    return value


def make_checkin(
    day: date,
    ratings: Mapping[str, object],
    side_effects: Iterable[str] = (),
    notes: str | None = None,
    guess: str | None = None,
    guess_confidence: int | None = None,
    tracked: Iterable[str] = RATINGS,
) -> CheckinInput:
    """Validate every field and build a :class:`CheckinInput`.

    Mood and every rating in ``tracked`` are required; a rating outside ``tracked`` may be
    given or left out (stored as missing, never filled in).
    """
    required = (ALWAYS_ASKED, *tracked_ratings(tracked))
    missing = [name for name in RATINGS if name in required and ratings.get(name) is None]
    if missing:
        raise InvalidInput(missing[0], "is required", allowed="0-10")
    unknown = sorted(set(ratings) - set(RATINGS))
    if unknown:
        raise InvalidInput(unknown[0], "is not a rating", allowed=", ".join(RATINGS))
    checked = {
        name: None if ratings.get(name) is None else check_rating(name, ratings[name])
        for name in RATINGS
    }
    effects = tuple(dict.fromkeys(normalise_side_effect(s) for s in side_effects))
    if guess is not None and guess not in GUESSES:
        raise InvalidInput("guess", f"{guess!r} is not allowed", allowed=", ".join(GUESSES))
    if guess_confidence is not None:
        if guess is None:
            raise InvalidInput("guess-confidence", "needs a guess", allowed="0-100 with a guess")
        if isinstance(guess_confidence, bool) or not 0 <= guess_confidence <= 100:
            raise InvalidInput("guess-confidence", f"{guess_confidence} is out of range", "0-100")
    return CheckinInput(day, checked, effects, notes or None, guess, guess_confidence)
