"""Reading people: who holds which role on a board."""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import lazyload, selectinload

from mtb.accounts.models import BoardRole, Role, User
from mtb.extensions import db
from mtb.vocab import Specialty


def _on_board(board_id: int, roles: tuple[Role, ...], *columns) -> sa.Select:
    """``columns`` of the active users holding any of ``roles`` on the board (any role when
    none is given), each once, by name."""
    query = (
        sa.select(*columns).join(BoardRole, BoardRole.user_id == User.id)
        .where(BoardRole.board_id == board_id, User.active.is_(True))
    )
    if roles:
        query = query.where(BoardRole.role.in_(roles))
    return query.distinct().order_by(User.full_name, User.id)


def board_people(board_id: int, *roles: Role, with_roles: bool = True) -> list[User]:
    """Active users holding any of ``roles`` on the board (any role when none is given),
    by name; ``with_roles=False`` leaves their roles unloaded (a list of names: hundreds of
    people's roles would be read for nothing)."""
    query = _on_board(board_id, roles, User).options(selectinload(User.roles) if with_roles else lazyload(User.roles))
    return list(db.session.scalars(query))


class Person(NamedTuple):
    """What a list of people prints of each: their name and their profile's specialty."""
    id: int
    full_name: str
    specialty: Specialty | None


def board_persons(board_id: int, *roles: Role) -> list[Person]:
    """``board_people`` as Person values, read as columns (a room's ninety members listed at
    every view of the session page)."""
    return [Person(*row) for row in db.session.execute(_on_board(board_id, roles, User.id, User.full_name,
                                                                 User.specialty))]


def board_people_names(board_id: int, *roles: Role) -> dict[int, str]:
    """``board_people`` as {id: full name}, in name order, without loading the accounts
    (a choice list of hundreds of people on a page that shows only names)."""
    return {row[0]: row[1] for row in db.session.execute(_on_board(board_id, roles, User.id, User.full_name))}
