"""Self-blinded N-of-1 trials: balanced block designs, opaque envelope codes, a sealed key.

The method follows the self-blinding study of Szigeti et al. 2021 (eLife 10:e62878):
identical opaque capsules, one per envelope, envelopes marked only with a QR code, and a
key that links each code to its content kept out of the person's sight until unblinding.

Two kinds of block keep both conditions spread over the trial:

- ``pairs``: consecutive dose days form pairs; each pair's bag holds one active and one
  placebo envelope. The unit of analysis is the dose day.
- ``weeks``: consecutive trial weeks (7-day windows from the start) form pairs of weeks;
  one week of each pair is active, the other placebo (every dose of a week has the same
  content). Each pair of weeks has two bags, one per condition, holding as many envelopes
  as the longer of its two weeks needs. The unit is the week, so weekly questionnaires
  can be compared too.

Randomisation happens twice: the software draws which codes of each block are active
(that is the sealed key), and the person's shuffle of each bag decides which envelope is
taken on which day (pairs) or which bag is used in which week (weeks). Under either, the
realised allocation is one of the ``2 ** blocks`` arrangements obtained by swapping the
two conditions inside any block — the reference set of the randomisation test.

Sealing: the allocation is encrypted with AES-256-GCM under a random data key, and a
SHA-256 commitment to it (with a 128-bit random salt) is published at design time, so
that after unblinding anyone can check the key was not changed after the data were seen.
What that protects against, and what not, is documented in ``docs/trials.md``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from microdose.domain.errors import Conflict, InvalidInput

__all__ = [
    "CODE_ALPHABET",
    "MAX_DOSES",
    "MIN_DOSES",
    "Allocation",
    "Block",
    "BlockDesign",
    "Condition",
    "Envelope",
    "Sealed",
    "allocate",
    "allowed_dose_counts",
    "make_blocks",
    "new_code",
    "normalise_code",
    "parse_block_design",
    "seal",
    "trial_dose_days",
    "unseal",
    "week_index",
]

#: Crockford's base-32 alphabet: no I, L, O or U, so that codes are hard to misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
_CODE_PATTERN = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
#: Fewest dose days of a trial (two blocks of pairs).
MIN_DOSES = 4
#: Most dose days of a trial (a bound against absurd input, not advice).
MAX_DOSES = 120
_SEAL_CONTEXT = b"microdose-trial-key-v1"


class Condition(StrEnum):
    """What an envelope holds."""

    ACTIVE = "active"
    PLACEBO = "placebo"


class BlockDesign(StrEnum):
    """How dose days are grouped into balanced blocks."""

    PAIRS = "pairs"
    WEEKS = "weeks"


def parse_block_design(text: str) -> BlockDesign:
    """Read ``pairs`` or ``weeks`` (any case).

    Examples
    --------
    >>> parse_block_design("Weeks")
    <BlockDesign.WEEKS: 'weeks'>
    """
    try:
        return BlockDesign(str(text).strip().lower())
    except ValueError:
        allowed = ", ".join(b.value for b in BlockDesign)
        raise InvalidInput("block", f"{text!r} is not a block design", allowed) from None


@dataclass(frozen=True)
class Envelope:
    """One envelope: its opaque code, its block, and (secret until unblinding) its content."""

    code: str
    block: int
    condition: Condition


@dataclass(frozen=True)
class Block:
    """A balanced block: its dose days and how many envelopes each condition's bag holds."""

    index: int
    label: str
    days: tuple[date, ...]
    per_condition: int


@dataclass(frozen=True)
class Allocation:
    """A complete design: blocks, envelopes (sorted by block, then code) and dose days."""

    design: BlockDesign
    start: date
    dose_days: tuple[date, ...]
    blocks: tuple[Block, ...]
    envelopes: tuple[Envelope, ...]

    def key(self) -> dict[str, Condition]:
        """The allocation key: envelope code → content."""
        return {envelope.code: envelope.condition for envelope in self.envelopes}


def week_index(start: date, day: date) -> int:
    """Trial week of ``day``: 0 for the 7 days from ``start``, 1 for the next 7, …

    Examples
    --------
    >>> week_index(date(2024, 1, 1), date(2024, 1, 8))
    1
    """
    return (day - start).days // 7


def allowed_dose_counts(plan_days: Sequence[date], start: date, design: BlockDesign) -> list[int]:
    """Numbers of dose days a design can use from a protocol's dose days.

    Pairs: every even number from ``MIN_DOSES``. Weeks: the dose days of the first 2, 4, 6 …
    whole trial weeks (each must have at least one dose day).
    """
    if design is BlockDesign.PAIRS:
        return list(range(MIN_DOSES, min(MAX_DOSES, len(plan_days)) + 1, 2))
    counts: dict[int, int] = {}
    for day in plan_days:
        week = week_index(start, day)
        counts[week] = counts.get(week, 0) + 1
    allowed, total, week = [], 0, 0
    while week + 1 in counts and week in counts:
        total += counts[week] + counts[week + 1]
        week += 2
        if MIN_DOSES <= total <= MAX_DOSES:
            allowed.append(total)
    return allowed


def trial_dose_days(
    plan_days: Sequence[date], start: date, doses: int, design: BlockDesign
) -> tuple[date, ...]:
    """The first ``doses`` dose days of a protocol, checked against the block design.

    Raises
    ------
    InvalidInput
        Field ``doses``, with the allowed numbers, when the design cannot use ``doses``.

    Examples
    --------
    >>> days = [date(2024, 1, d) for d in (1, 4, 7, 10, 13, 16)]
    >>> len(trial_dose_days(days, date(2024, 1, 1), 4, BlockDesign.PAIRS))
    4
    """
    allowed = allowed_dose_counts(plan_days, start, design)
    if isinstance(doses, bool) or not isinstance(doses, int) or doses not in allowed:
        shown = ", ".join(str(n) for n in allowed[:12]) + (", …" if len(allowed) > 12 else "")
        why = "an even number" if design is BlockDesign.PAIRS else "whole pairs of weeks"
        raise InvalidInput(
            "doses", f"{doses!r} dose days do not fit a {design.value} design ({why})", shown
        )
    return tuple(sorted(plan_days)[:doses])


def new_code(rng: random.Random) -> str:
    """A fresh opaque code such as ``K7QX-3FRA`` (40 random bits).

    ``rng`` should be :class:`random.SystemRandom` for a real trial; a seeded
    :class:`random.Random` makes the codes, and so the key, reproducible by anyone with
    the seed.
    """
    text = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{text[:4]}-{text[4:]}"


def normalise_code(text: str) -> str:
    """Read a typed or scanned code: any case, with or without the hyphen or spaces.

    Raises
    ------
    InvalidInput
        Field ``envelope`` when it is not an 8-character code.

    Examples
    --------
    >>> normalise_code(" k7qx3fra ")
    'K7QX-3FRA'
    """
    compact = re.sub(r"[\s-]", "", str(text)).upper()
    if not _CODE_PATTERN.fullmatch(compact):
        raise InvalidInput(
            "envelope", f"{text!r} is not an envelope code", "8 characters like K7QX-3FRA"
        )
    return f"{compact[:4]}-{compact[4:]}"


def make_blocks(dose_days: tuple[date, ...], start: date, design: BlockDesign) -> tuple[Block, ...]:
    """The balanced blocks of a design over sorted dose days (see the module docstring)."""
    if design is BlockDesign.PAIRS:
        return tuple(
            Block(index, f"pair {index + 1}", dose_days[2 * index : 2 * index + 2], 1)
            for index in range(len(dose_days) // 2)
        )
    by_week: dict[int, list[date]] = {}
    for day in dose_days:
        by_week.setdefault(week_index(start, day), []).append(day)
    blocks = []
    for index in range(len(by_week) // 2):
        first, second = by_week[2 * index], by_week[2 * index + 1]
        label = f"weeks {2 * index + 1}–{2 * index + 2}"
        blocks.append(Block(index, label, (*first, *second), max(len(first), len(second))))
    return tuple(blocks)


def _unique_codes(rng: random.Random, count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(new_code(rng))
    return sorted(codes)


def allocate(
    dose_days: Sequence[date], start: date, design: BlockDesign, rng: random.Random
) -> Allocation:
    """Draw a balanced block allocation and its envelope codes.

    Each block gets ``2 × per_condition`` fresh codes; a random half (drawn with ``rng``)
    are active. Envelopes are listed by block, then code, so that their order says
    nothing about their content.

    Examples
    --------
    >>> days = [date(2024, 1, d) for d in (1, 4, 7, 10)]
    >>> made = allocate(days, date(2024, 1, 1), BlockDesign.PAIRS, random.Random(1))
    >>> [sorted(e.condition.value for e in made.envelopes if e.block == b) for b in (0, 1)]
    [['active', 'placebo'], ['active', 'placebo']]
    """
    days = tuple(sorted(dose_days))
    blocks = make_blocks(days, start, design)
    envelopes: list[Envelope] = []
    for block in blocks:
        codes = _unique_codes(rng, 2 * block.per_condition)
        while {e.code for e in envelopes} & set(codes):
            codes = _unique_codes(rng, 2 * block.per_condition)
        active = set(rng.sample(codes, block.per_condition))
        envelopes += [
            Envelope(code, block.index, Condition.ACTIVE if code in active else Condition.PLACEBO)
            for code in codes
        ]
    return Allocation(design, start, days, blocks, tuple(envelopes))


@dataclass(frozen=True)
class Sealed:
    """A sealed key: ciphertext and data key (base64) and the public commitment (hex)."""

    ciphertext: str
    data_key: str
    commitment: str


def _canonical(key: dict[str, Condition], salt: str) -> bytes:
    body = {"salt": salt, "key": [[code, key[code].value] for code in sorted(key)]}
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def commitment_of(plaintext: bytes) -> str:
    """SHA-256 commitment (hex) to a canonical key document."""
    return hashlib.sha256(_SEAL_CONTEXT + b"\x00" + plaintext).hexdigest()


def seal(key: dict[str, Condition]) -> Sealed:
    """Encrypt an allocation key (AES-256-GCM) and commit to it (salted SHA-256).

    The salt is inside the ciphertext, so the commitment reveals nothing before
    unblinding and can be checked after it. The commitment is the associated data of the
    encryption, binding the two together.
    """
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    plaintext = _canonical(key, os.urandom(16).hex())
    commitment = commitment_of(plaintext)
    data_key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, commitment.encode())
    return Sealed(
        base64.b64encode(nonce + ciphertext).decode(),
        base64.b64encode(data_key).decode(),
        commitment,
    )


def unseal(sealed: Sealed) -> dict[str, Condition]:
    """Decrypt a sealed key and check it against its commitment.

    Raises
    ------
    Conflict
        When the ciphertext, the data key or the commitment was altered.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        raw = base64.b64decode(sealed.ciphertext)
        box = AESGCM(base64.b64decode(sealed.data_key))
        plaintext = box.decrypt(raw[:12], raw[12:], sealed.commitment.encode())
    except (InvalidTag, ValueError) as exc:
        raise Conflict("the sealed key cannot be opened: it was altered or damaged") from exc
    if commitment_of(plaintext) != sealed.commitment:
        raise Conflict("the sealed key does not match its commitment")  # pragma: no cover
    body = json.loads(plaintext)
    return {code: Condition(value) for code, value in body["key"]}
