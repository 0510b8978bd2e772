"""What each role sees of a participant's records, and the participant's choice of notes.

Journal text is never shown to a clinician. The free-text notes of check-ins and doses
are private too unless the participant shares them (``person.notes_shared``, off by
default): :func:`without_private_notes` blanks them in everything a clinician reads.
Adverse-event notes are safety information and always go with the event. A study sees
what its definition, shown before consent, says: pseudonymised records by study day,
calendar dates and free text only when the study was created to export them.

:data:`CLINICIAN_SEES` and :data:`STUDY_SEES` are the lists the sharing page shows; the
docs (docs/service.md, *What each role sees*) give the same.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from microdose.domain.roles import AccessDenied, Action, Relation, Resource
from microdose.services.access import authorize
from microdose.services.actor import Actor
from microdose.store.models import Person

#: what a linked clinician (or an admin holding the link) reads, record by record
CLINICIAN_SEES: tuple[tuple[str, str], ...] = (
    ("you", "your display name and time zone"),
    ("check-ins", "the day, the six ratings, side effects, the blinded guess and its "
                  "confidence; the note only if you share notes"),
    ("doses", "when, material, amount, the estimated psilocybin range and its "
              "classification, a trial envelope's code, the warnings; the note only if you "
              "share notes"),
    ("questionnaires", "every answer, the total, severity and safety flags"),
    ("adverse events", "category, grade, dates, whether serious, what was done, and the "
                       "note (safety information: always shared)"),
    ("alerts", "every alert and who acknowledged it, with their note"),
    ("charts and PDF report", "drawn from the ratings, questionnaires, doses and adverse "
                              "events above"),
    ("journal entries", "never"),
)
#: what a study's researcher reads (only of the study's days, pseudonymised)
STUDY_SEES: tuple[tuple[str, str], ...] = (
    ("you", "a pseudonym drawn for this study, your arm, whether and on which study day "
            "you withdrew, the consent version you accepted; never your name, email or "
            "account"),
    ("questionnaires", "the study's instruments only: every answer, totals and severity"),
    ("check-ins", "the six ratings, side effects, the blinded guess and its confidence"),
    ("doses", "material, amount, the estimated psilocybin range and its classification"),
    ("adverse events", "category, grade, whether serious, what was done, the study day it "
                       "ended"),
    ("dates", "study days only, unless the study exports calendar dates"),
    ("free text", "check-in, dose and adverse-event notes and journal entries only if the "
                  "study exports free text (whatever your notes setting)"),
)
#: the records whose ``notes`` the participant's setting governs
PRIVATE_NOTES = ("checkins", "doses")


def _own_person(session: Session, actor: Actor, action: Action) -> Person:
    authorize(session=session, actor=actor, action=action, resource=Resource.JOURNAL,
              relation=Relation.OWN, what="sharing.notes", hide=False)
    person = session.get(Person, actor.person_id) if actor.person_id else None
    if person is None:
        raise AccessDenied("sharing.notes: only a participant's account has notes")
    return person


def notes_shared(*, session: Session, actor: Actor) -> bool:
    """Whether the participant shares check-in and dose notes with linked clinicians."""
    return _own_person(session, actor, Action.READ).notes_shared


def set_notes_shared(*, session: Session, actor: Actor, shared: bool) -> bool:
    """Share (True) or keep private (False) the participant's check-in and dose notes."""
    person = _own_person(session, actor, Action.WRITE)
    person.notes_shared = bool(shared)
    session.flush()
    return person.notes_shared


def without_private_notes(found: dict[str, Any], person: Person) -> dict[str, Any]:
    """A clinician's view of ``person``'s records: the notes blanked unless shared."""
    if person.notes_shared:
        return {**found, "notes_shared": True}
    blanked = {
        name: [{**row, "notes": None} for row in found.get(name, [])]
        for name in PRIVATE_NOTES
    }
    return {**found, **blanked, "notes_shared": False}
