"""Blocks are blocks: a new safety screen keeps the previous screen's blocks until removed.

A block (lithium, a history of psychosis or bipolar disorder, pregnancy …) never goes away
because a new screen leaves it out. It is *kept* until the person removes it explicitly
(the CLI's ``--remove-medication`` / ``--remove-condition``, the page's confirmation box,
the API's ``remove_medications`` / ``remove_conditions``), and the removal is recorded.
Items that do not block and are left out are simply no longer listed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from microdose.domain import medications
from microdose.domain.errors import InvalidInput
from microdose.domain.safety import (
    BLOCK,
    CONDITION_RULES,
    clean_item,
    normalise_condition,
    screen,
)

Same = Callable[[str, str], bool]


def _medication_keys(text: str) -> set[str]:
    """What a medication is matched by: its key, and the generic names it stands for."""
    keys = {medications.match_key(text)}
    keys |= {medications.match_key(m.generic) for m in medications.lookup(text)}
    cls = medications.CLASS_NAMES.get(medications.match_key(text))
    if cls is not None:
        keys.add(medications.match_key(cls[1]))
    return keys


def same_medication(a: str, b: str) -> bool:
    """Whether two spellings name the same medication.

    >>> same_medication("Lithobid", "lithium"), same_medication("Prozac", "lithium")
    (True, False)
    """
    return bool(_medication_keys(a) & _medication_keys(b))


def _same_condition(a: str, b: str) -> bool:
    return a == b


def condition_blocks(condition: str) -> bool:
    """Whether a condition (the vocabulary's spelling) is a ``block`` of the table."""
    rule = CONDITION_RULES.get(condition)
    return rule is not None and rule.severity == BLOCK


def medication_blocks(text: str) -> bool:
    """Whether a medication, as written, is a ``block`` of the table (e.g. lithium)."""
    return screen(medications_taken=[text]).verdict == BLOCK


@dataclass(frozen=True)
class ScreenMerge:
    """What a new screen declares once the previous screen's blocks are carried over.

    ``conditions`` and ``medications`` are what to screen (declared items and kept blocks);
    ``added`` what the previous screen did not list; ``removed`` what it listed and this one
    no longer does (as written there); ``removed_confirmed`` the part of ``removed`` the
    person removed explicitly; ``kept`` the blocks left out this time and therefore kept.
    """

    conditions: tuple[str, ...]
    medications: tuple[str, ...]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    removed_confirmed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()

    def changes(self) -> dict[str, list[str]]:
        """JSON-ready: ``{"added", "removed", "removed_confirmed", "kept"}``."""
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "removed_confirmed": list(self.removed_confirmed),
            "kept": list(self.kept),
        }


def _removals(
    asked: Sequence[str], listed: Sequence[str], declared: Sequence[str], same: Same, field: str
) -> list[str]:
    """The items of ``listed`` that ``asked`` removes; refuses removals that match nothing."""
    found: list[str] = []
    for text in asked:
        if any(same(text, item) for item in declared):
            raise InvalidInput(field, f"{text!r} is both declared and removed in the same screen",
                               "declare it or remove it, not both")
        matches = [item for item in listed if same(text, item)]
        if not matches:
            allowed = ", ".join(listed) if listed else "nothing: your last screen lists none"
            raise InvalidInput(field, f"{text!r} is not in your last screen", allowed)
        found += [item for item in matches if item not in found]
    return found


def _kept(previous: Sequence[str], gone: Sequence[str], declared: Sequence[str], same: Same,
          blocks: Callable[[str], bool]) -> list[str]:
    return [item for item in previous if blocks(item) and item not in gone
            and not any(same(item, d) for d in declared)]


def _missing(items: Sequence[str], others: Sequence[str], same: Same) -> list[str]:
    """The items of ``items`` that name nothing of ``others``."""
    return [i for i in dict.fromkeys(items) if not any(same(i, o) for o in others)]


def merge_screen(
    previous_conditions: Sequence[str],
    previous_medications: Sequence[str],
    conditions: Sequence[str] = (),
    medications_taken: Sequence[str] = (),
    *,
    remove_conditions: Sequence[str] = (),
    remove_medications: Sequence[str] = (),
    fields: tuple[str, str] = ("remove_condition", "remove_medication"),
) -> ScreenMerge:
    """Carry the previous screen's blocks into a new one unless removed explicitly.

    A removal must name an item of the previous screen, else ``InvalidInput`` names the
    field (``fields``: conditions', medications') and what can be removed.

    >>> merge_screen([], ["Lithobid"]).kept
    ('Lithobid',)
    >>> merge_screen([], ["Lithobid"], remove_medications=["lithium"]).removed_confirmed
    ('Lithobid',)
    >>> merge_screen([], ["Prozac"]).removed
    ('Prozac',)
    """
    named = [normalise_condition(c) for c in conditions]
    taken = [clean_item(m, "medication") for m in medications_taken]
    asked_c = [normalise_condition(c) for c in remove_conditions]
    asked_m = [clean_item(m, fields[1]) for m in remove_medications]
    gone_c = _removals(asked_c, previous_conditions, named, _same_condition, fields[0])
    gone_m = _removals(asked_m, previous_medications, taken, same_medication, fields[1])
    kept_c = _kept(previous_conditions, gone_c, named, _same_condition, condition_blocks)
    kept_m = _kept(previous_medications, gone_m, taken, same_medication, medication_blocks)
    all_c = tuple(dict.fromkeys([*named, *kept_c]))
    all_m = tuple(dict.fromkeys([*taken, *kept_m]))
    return ScreenMerge(
        conditions=all_c,
        medications=all_m,
        added=tuple(_missing(named, previous_conditions, _same_condition)
                    + _missing(taken, previous_medications, same_medication)),
        removed=tuple(_missing(previous_conditions, all_c, _same_condition)
                      + _missing(previous_medications, all_m, same_medication)),
        removed_confirmed=(*gone_c, *gone_m),
        kept=(*kept_c, *kept_m),
    )


def blocks_of(conditions: Sequence[str], medications_taken: Sequence[str]) -> list[dict[str, str]]:
    """The blocking items of a stored screen, each ``{"item", "kind"}`` (what can be removed).

    >>> blocks_of(["seizures", "psychosis"], ["Prozac", "Lithobid"])
    [{'item': 'psychosis', 'kind': 'condition'}, {'item': 'Lithobid', 'kind': 'medication'}]
    """
    found = [{"item": c, "kind": "condition"} for c in conditions if condition_blocks(c)]
    return found + [
        {"item": m, "kind": "medication"} for m in medications_taken if medication_blocks(m)
    ]
