"""The authorisation policy, exhaustively: every role × resource × action × relation."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from microdose.domain.errors import InvalidInput
from microdose.domain.roles import (
    POLICY,
    Action,
    Relation,
    Resource,
    Role,
    allowed,
    decide,
    is_access_to_another,
    parse_role,
    person_relation,
    policy_markdown,
)

ROOT = Path(__file__).resolve().parents[2]

#: The policy written out independently of the code, one allowed combination a line:
#: "role resource action relation". Everything not listed must be refused.
EXPECTED_ALLOWED = """
participant journal read own
participant journal write own
participant alerts read own
participant alerts write own
participant account read own
participant account write own
participant clinician_link read own
participant clinician_link write own
participant enrolment read own
participant enrolment write own
participant study read enrolled
participant audit read own
participant reminders read own
participant reminders write own
clinician journal read linked
clinician alerts read linked
clinician alerts write linked
clinician account read own
clinician account write own
clinician clinician_link read own
clinician clinician_link write own
clinician caseload read own
clinician reminders read linked
clinician reminders write linked
researcher account read own
researcher account write own
researcher study read own
researcher study write own
researcher study_data read own
researcher reminders read in_own_study
researcher reminders write in_own_study
admin journal read linked
admin alerts read linked
admin alerts write linked
admin account read own
admin account write own
admin account read other
admin account write other
admin clinician_link read own
admin clinician_link write own
admin caseload read own
admin audit read own
admin audit read other
admin reminders read linked
admin reminders write linked
"""

ALLOWED = {tuple(line.split()) for line in EXPECTED_ALLOWED.strip().splitlines()}
EVERY = list(itertools.product(Role, Resource, Action, Relation))


def test_the_expected_table_lists_only_real_names() -> None:
    names = {str(x) for x in [*Role, *Resource, *Action, *Relation]}
    assert all(set(combo) <= names for combo in ALLOWED)
    assert len(ALLOWED) == 45


@pytest.mark.parametrize(("role", "resource", "action", "relation"), EVERY,
                         ids=lambda x: str(x))
def test_every_combination_matches_the_written_policy(
    role: Role, resource: Resource, action: Action, relation: Relation
) -> None:
    expected = (str(role), str(resource), str(action), str(relation)) in ALLOWED
    assert allowed(role, action, resource, relation) is expected
    decision = decide(role, action, resource, relation)
    assert decision.allowed is expected
    if expected:
        assert decision.status == "allowed"
    elif POLICY.get((role, resource, action)):
        assert decision.status == "not_found"  # another's object: answered as absent (404)
    else:
        assert decision.status == "forbidden"  # the role may never do it (403)


def test_the_rules_in_words_hold() -> None:
    # nobody but the person writes a journal; nobody reads another's journal unlinked
    for role, relation in itertools.product(Role, Relation):
        if role is not Role.PARTICIPANT:
            assert not allowed(role, Action.WRITE, Resource.JOURNAL, relation)
        assert not allowed(role, Action.READ, Resource.JOURNAL, Relation.OTHER)
    # a researcher reads only their own studies' pseudonymised data, never a journal
    assert not any(allowed(Role.RESEARCHER, a, Resource.JOURNAL, r)
                   for a, r in itertools.product(Action, Relation))
    assert not allowed(Role.RESEARCHER, Action.READ, Resource.STUDY_DATA, Relation.OTHER)
    # an admin manages accounts but reads journals only of people linked to them
    assert allowed(Role.ADMIN, Action.WRITE, Resource.ACCOUNT, Relation.OTHER)
    assert not allowed(Role.ADMIN, Action.READ, Resource.JOURNAL, Relation.OWN)
    assert allowed(Role.ADMIN, Action.READ, Resource.JOURNAL, Relation.LINKED)
    # nobody can write study data or the audit log through the policy
    assert not any(allowed(role, Action.WRITE, res, rel) for role, res, rel in
                   itertools.product(Role, (Resource.STUDY_DATA, Resource.AUDIT), Relation))


def test_reminder_schedules_follow_the_person_their_carers_and_their_studys_researcher() -> None:
    for action in Action:
        assert allowed(Role.PARTICIPANT, action, Resource.REMINDERS, Relation.OWN)
        for carer in (Role.CLINICIAN, Role.ADMIN):
            assert allowed(carer, action, Resource.REMINDERS, Relation.LINKED)
            assert not allowed(carer, action, Resource.REMINDERS, Relation.OWN)
        assert allowed(Role.RESEARCHER, action, Resource.REMINDERS, Relation.IN_OWN_STUDY)
        for role in Role:  # someone else's schedule: as if the person did not exist
            assert not allowed(role, action, Resource.REMINDERS, Relation.OTHER)
            assert decide(role, action, Resource.REMINDERS, Relation.OTHER).status == "not_found"
    # a researcher's own study never stands in for the person's own or a clinician's link
    for relation in (Relation.OWN, Relation.LINKED, Relation.ENROLLED):
        assert not allowed(Role.RESEARCHER, Action.READ, Resource.REMINDERS, relation)


def test_a_person_in_the_actors_study_opens_nothing_but_the_reminder_schedule() -> None:
    for role, resource, action in itertools.product(Role, Resource, Action):
        if (role, resource) != (Role.RESEARCHER, Resource.REMINDERS):
            assert not allowed(role, action, resource, Relation.IN_OWN_STUDY), (role, resource)
    # a researcher reaches a participant's journal and alerts under no relation at all
    for resource, action, relation in itertools.product(
            (Resource.JOURNAL, Resource.ALERTS, Resource.ENROLMENT), Action, Relation):
        assert decide(Role.RESEARCHER, action, resource, relation).status == "forbidden"
    # and it is audited: another person's data
    assert is_access_to_another(Relation.IN_OWN_STUDY, Resource.REMINDERS)
    assert not is_access_to_another(Relation.OWN, Resource.REMINDERS)


def test_relation_to_a_person() -> None:
    assert person_relation("a", "a", linked=True) is Relation.OWN
    assert person_relation("a", "b", linked=True) is Relation.LINKED
    assert person_relation(None, "b", linked=False) is Relation.OTHER
    assert person_relation(None, "b", linked=False, in_own_study=True) is Relation.IN_OWN_STUDY
    # the first that holds: own, then linked, then in one's study
    assert person_relation("a", "a", linked=False, in_own_study=True) is Relation.OWN
    assert person_relation(None, "b", linked=True, in_own_study=True) is Relation.LINKED


def test_which_accesses_are_audited() -> None:
    assert is_access_to_another(Relation.LINKED, Resource.JOURNAL)
    assert is_access_to_another(Relation.OTHER, Resource.ACCOUNT)
    assert is_access_to_another(Relation.OWN, Resource.STUDY_DATA)
    assert not is_access_to_another(Relation.OWN, Resource.JOURNAL)


def test_parse_role_names_the_allowed_values() -> None:
    assert parse_role(" Clinician ") is Role.CLINICIAN
    with pytest.raises(InvalidInput) as caught:
        parse_role("superuser")
    assert "role" in caught.value.message and "researcher" in caught.value.message


def test_docs_carry_the_policy_table() -> None:
    text = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
    assert policy_markdown() in text, "docs/service.md: paste roles.policy_markdown()"
