"""Roles and the authorisation policy: who may read or write which kind of resource of whom.

Pure: no I/O. The services work out how the acting account relates to the resource
(:class:`Relation`: its own, a person linked to it as their clinician, a study it is enrolled
in, a person enrolled in a study it owns, or someone else's) and ask :func:`decide`; the web
layer asks the same function for every endpoint. The whole policy is the one table
:data:`POLICY`; anything not in it is refused.

The rules, in words:

- a **participant** reads and writes only their own records, links, enrolments, reminder
  schedule and account, reads the studies they are enrolled in, and reads who accessed
  their data (audit log);
- a **clinician** reads the records and alerts of people who accepted their invitation
  (never after the link was revoked) and acknowledges those alerts; they write nobody's
  journal, but read and set those people's reminder schedules;
- a **researcher** defines their own studies and reads only their pseudonymised data; the
  one thing of a person they touch is the reminder schedule of a participant enrolled (not
  withdrawn) in a study they own (:attr:`Relation.IN_OWN_STUDY`), which they read and set;
- an **admin** manages accounts and reads the audit log, but reads no journal (nor
  reminder schedule) unless a person also accepted the admin's own clinician invitation.

Rules finer than a resource are not in the table and stay with the service that owns the
field: **only the person pauses or resumes their reminders** — a clinician, admin or
researcher allowed to write the schedule changes its times and intervals, never ``paused``
(:func:`microdose.services.reminders.set_schedule` answers ``AccessDenied``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from microdose.domain.errors import InvalidInput, MicrodoseError

__all__ = [
    "POLICY",
    "AccessDenied",
    "Action",
    "Decision",
    "Relation",
    "Resource",
    "Role",
    "allowed",
    "decide",
    "is_access_to_another",
    "parse_role",
    "person_relation",
    "policy_markdown",
    "policy_rows",
]


class AccessDenied(MicrodoseError):
    """The role may never do this (CLI exit code 6, HTTP 403).

    Refusals about *someone else's* object raise ``NotFound`` instead (HTTP 404), so that an
    account cannot learn which people or studies exist.
    """

    exit_code = 6
    http_status = 403


class Role(StrEnum):
    """What an account is for."""

    PARTICIPANT = "participant"
    CLINICIAN = "clinician"
    RESEARCHER = "researcher"
    ADMIN = "admin"


class Action(StrEnum):
    """Reading (viewing, exporting, analysing) or writing (creating, changing, deleting)."""

    READ = "read"
    WRITE = "write"


class Resource(StrEnum):
    """Kinds of thing an endpoint or service touches."""

    #: a person's records: doses, check-ins, questionnaires, journal, charts, PDF report
    JOURNAL = "journal"
    #: a person's safety alerts and their acknowledgement
    ALERTS = "alerts"
    #: a login account (email, role, password, disabled)
    ACCOUNT = "account"
    #: a clinician invitation and the link it creates
    CLINICIAN_LINK = "clinician_link"
    #: the list of people linked to a clinician, sorted by need
    CASELOAD = "caseload"
    #: a study's definition, invitation codes, consent texts
    STUDY = "study"
    #: the pseudonymised records of a study's participants (progress, export, analyses)
    STUDY_DATA = "study_data"
    #: a person's enrolment, consent and withdrawal in a study
    ENROLMENT = "enrolment"
    #: the audit log of accesses to people's data
    AUDIT = "audit"
    #: a person's reminder schedule (times, questionnaire intervals, pause)
    REMINDERS = "reminders"


class Relation(StrEnum):
    """How the acting account relates to the resource."""

    #: the actor's own person, account, study or invitation
    OWN = "own"
    #: a person who accepted the actor's clinician invitation (and did not revoke it)
    LINKED = "linked"
    #: a study the actor's person is enrolled in
    ENROLLED = "enrolled"
    #: a person enrolled, and not withdrawn, in a study the actor owns (the researcher of
    #: that study); only the reminder schedule is allowed under it, nothing of the journal
    IN_OWN_STUDY = "in_own_study"
    #: anything else: another person's, another researcher's
    OTHER = "other"


_R, _W = Action.READ, Action.WRITE
_OWN, _LINKED = frozenset({Relation.OWN}), frozenset({Relation.LINKED})


def _rules() -> dict[tuple[Role, Resource, Action], frozenset[Relation]]:
    part, clin, res, adm = Role.PARTICIPANT, Role.CLINICIAN, Role.RESEARCHER, Role.ADMIN
    rules: dict[tuple[Role, Resource, Action], frozenset[Relation]] = {}
    for resource in (Resource.JOURNAL, Resource.ALERTS, Resource.ACCOUNT,
                     Resource.CLINICIAN_LINK, Resource.ENROLMENT, Resource.REMINDERS):
        rules[(part, resource, _R)] = rules[(part, resource, _W)] = _OWN
    rules[(part, Resource.STUDY, _R)] = frozenset({Relation.ENROLLED})
    rules[(part, Resource.AUDIT, _R)] = _OWN
    for carer in (clin, adm):
        rules[(carer, Resource.JOURNAL, _R)] = _LINKED
        for resource in (Resource.ALERTS, Resource.REMINDERS):
            rules[(carer, resource, _R)] = rules[(carer, resource, _W)] = _LINKED
        for resource in (Resource.ACCOUNT, Resource.CLINICIAN_LINK):
            rules[(carer, resource, _R)] = rules[(carer, resource, _W)] = _OWN
        rules[(carer, Resource.CASELOAD, _R)] = _OWN
    for resource in (Resource.ACCOUNT, Resource.STUDY):
        rules[(res, resource, _R)] = rules[(res, resource, _W)] = _OWN
    rules[(res, Resource.STUDY_DATA, _R)] = _OWN
    in_study = frozenset({Relation.IN_OWN_STUDY})
    rules[(res, Resource.REMINDERS, _R)] = rules[(res, Resource.REMINDERS, _W)] = in_study
    everyone = frozenset({Relation.OWN, Relation.OTHER})
    rules[(adm, Resource.ACCOUNT, _R)] = rules[(adm, Resource.ACCOUNT, _W)] = everyone
    rules[(adm, Resource.AUDIT, _R)] = everyone
    return rules


#: (role, resource, action) → the relations under which it is allowed; absent = never.
POLICY: Mapping[tuple[Role, Resource, Action], frozenset[Relation]] = MappingProxyType(_rules())


@dataclass(frozen=True)
class Decision:
    """The answer to "may this role do this to this resource?".

    Attributes
    ----------
    allowed : bool
        Whether the action may go ahead.
    status : str
        ``"allowed"``; ``"not_found"`` when the role may do this to some objects but not to
        this one (answer as if it did not exist: HTTP 404); ``"forbidden"`` when the role
        may never do it (HTTP 403).
    reason : str
        One sentence for logs and messages.
    """

    allowed: bool
    status: str
    reason: str


def allowed(role: Role, action: Action, resource: Resource, relation: Relation) -> bool:
    """Whether ``role`` may ``action`` a ``resource`` it stands in ``relation`` to.

    Examples
    --------
    >>> allowed(Role.CLINICIAN, Action.READ, Resource.JOURNAL, Relation.LINKED)
    True
    >>> allowed(Role.CLINICIAN, Action.WRITE, Resource.JOURNAL, Relation.LINKED)
    False
    >>> allowed(Role.ADMIN, Action.READ, Resource.JOURNAL, Relation.OTHER)
    False
    """
    return relation in POLICY.get((role, resource, action), frozenset())


def decide(role: Role, action: Action, resource: Resource, relation: Relation) -> Decision:
    """:func:`allowed` with the kind of refusal (404 for others' objects, 403 for the role).

    Examples
    --------
    >>> decide(Role.PARTICIPANT, Action.READ, Resource.JOURNAL, Relation.OTHER).status
    'not_found'
    >>> decide(Role.RESEARCHER, Action.READ, Resource.JOURNAL, Relation.OTHER).status
    'forbidden'
    """
    relations = POLICY.get((role, resource, action), frozenset())
    if relation in relations:
        return Decision(True, "allowed", f"{role} may {action} {relation} {resource}")
    if relations:
        return Decision(
            False, "not_found", f"{role} may {action} only {_either(relations)} {resource}"
        )
    return Decision(False, "forbidden", f"{role} may never {action} {resource}")


def _either(relations: frozenset[Relation]) -> str:
    return " or ".join(str(r) for r in Relation if r in relations)


def person_relation(
    actor_person_id: object | None,
    subject_person_id: object,
    *,
    linked: bool,
    in_own_study: bool = False,
) -> Relation:
    """How an account relates to a person: their own, linked as their clinician, enrolled in
    a study the account owns, or other (the first that holds, in that order).

    Examples
    --------
    >>> person_relation(1, 1, linked=False)
    <Relation.OWN: 'own'>
    >>> person_relation(None, 2, linked=True)
    <Relation.LINKED: 'linked'>
    >>> person_relation(None, 2, linked=False, in_own_study=True)
    <Relation.IN_OWN_STUDY: 'in_own_study'>
    """
    if actor_person_id is not None and actor_person_id == subject_person_id:
        return Relation.OWN
    if linked:
        return Relation.LINKED
    return Relation.IN_OWN_STUDY if in_own_study else Relation.OTHER


def is_access_to_another(relation: Relation, resource: Resource) -> bool:
    """Whether an allowed access touches another person's data (and must be audited).

    Studies' pseudonymised data always belong to other people, and so does a person of a
    study the actor owns; accounts and links of the actor's own, and a study the actor is
    enrolled in, are not another person's data.
    """
    if resource is Resource.STUDY_DATA:
        return True
    return relation in (Relation.LINKED, Relation.IN_OWN_STUDY, Relation.OTHER)


def parse_role(text: str) -> Role:
    """A role from its name (case and spaces ignored).

    Raises
    ------
    InvalidInput
        On an unknown name (field ``"role"``).
    """
    try:
        return Role(str(text).strip().lower())
    except ValueError:
        raise InvalidInput(
            "role", f"unknown role {text!r}", allowed=", ".join(r.value for r in Role)
        ) from None


def policy_rows() -> Iterator[tuple[Role, Resource, str, str]]:
    """The policy as rows: role, resource, relations allowed to read, relations to write."""
    for role in Role:
        for resource in Resource:
            read = POLICY.get((role, resource, Action.READ), frozenset())
            write = POLICY.get((role, resource, Action.WRITE), frozenset())
            if read or write:
                yield role, resource, _either(read) or "—", _either(write) or "—"


def policy_markdown() -> str:
    """The policy as a Markdown table (``docs/service.md`` carries it; a test compares)."""
    lines = ["| role | resource | read | write |", "|---|---|---|---|"]
    lines += [f"| {r} | {res} | {rd} | {wr} |" for r, res, rd, wr in policy_rows()]
    return "\n".join(lines)
