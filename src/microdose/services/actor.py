"""Who is acting: the :class:`Actor` that access checks and the audit log both speak of.

Kept apart from :mod:`microdose.services.access` and :mod:`microdose.services.audit` so
that both import it downwards and neither imports the other's module to name the actor.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from microdose.domain.roles import Role
from microdose.store.service_models import AccountRow

OPERATOR = "operator"


@dataclass(frozen=True)
class Actor:
    """Who is acting: an account, or the operator at the command line.

    Attributes
    ----------
    role : Role
        The account's role; the command-line operator acts as an admin.
    account_id : UUID or None
        None for the operator (who holds the database URL, so is not logged in).
    person_id : UUID or None
        The participant's person.
    label : str
        Email, or ``"operator"``.
    """

    role: Role
    account_id: uuid.UUID | None
    person_id: uuid.UUID | None
    label: str

    @classmethod
    def of(cls, account: AccountRow) -> Actor:
        """The actor of a logged-in account."""
        return cls(Role(account.role), account.id, account.person_id, account.email)

    @classmethod
    def operator(cls) -> Actor:
        """The command-line operator: manages accounts, reads no one's journal."""
        return cls(Role.ADMIN, None, None, OPERATOR)

    @property
    def audit_role(self) -> str:
        """Role as written in the audit log (``operator`` for the command line)."""
        return OPERATOR if self.account_id is None else str(self.role)
