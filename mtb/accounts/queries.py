"""Reading people: who holds which role on a board."""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import lazyload, selectinload

from mtb.accounts.models import BoardRole, Role, User
from mtb.extensions import db
from mtb.vocab import Specialty


def board_people(board_id: int, *roles: Role, with_roles: bool = True) -> list[User]:
    """Active users holding any of ``roles`` on the board (any role when none is given),
    by name; ``with_roles=False`` leaves their roles unloaded (a list of names: hundreds of
    people's roles would be read for nothing)."""
    query = (
        sa.select(User).join(BoardRole, BoardRole.user_id == User.id)
        .where(BoardRole.board_id == board_id, User.active.is_(True))
    )
    query = query.options(selectinload(User.roles) if with_roles else lazyload(User.roles))
    if roles:
        query = query.where(BoardRole.role.in_(roles))
    return list(db.session.scalars(query.distinct().order_by(User.full_name, User.id)))


class Person(NamedTuple):
    """What a list of people prints of each: their name and their profile's specialty."""
    id: int
    full_name: str
    specialty: Specialty | None


def board_persons(board_id: int, *roles: Role) -> list[Person]:
    """``board_people`` as Person values, by name, read as columns (a room's ninety members
    listed at every view of the session page)."""
    query = (
        sa.select(User.id, User.full_name, User.specialty).join(BoardRole, BoardRole.user_id == User.id)
        .where(BoardRole.board_id == board_id, User.active.is_(True))
    )
    if roles:
        query = query.where(BoardRole.role.in_(roles))
    return [Person(*row) for row in db.session.execute(query.distinct().order_by(User.full_name, User.id))]


def board_people_names(board_id: int, *roles: Role) -> dict[int, str]:
    """``board_people`` as {id: full name}, in name order, without loading the accounts
    (a choice list of hundreds of people on a page that shows only names)."""
    query = (
        sa.select(User.id, User.full_name).join(BoardRole, BoardRole.user_id == User.id)
        .where(BoardRole.board_id == board_id, User.active.is_(True))
    )
    if roles:
        query = query.where(BoardRole.role.in_(roles))
    return {row[0]: row[1] for row in db.session.execute(query.distinct().order_by(User.full_name, User.id))}
