"""Reading people: who holds which role on a board."""

from __future__ import annotations

import sqlalchemy as sa

from mtb.accounts.models import BoardRole, Role, User
from mtb.extensions import db


def board_people(board_id: int, *roles: Role) -> list[User]:
    """Active users holding any of ``roles`` on the board (any role when none is given),
    by name."""
    query = (
        sa.select(User).join(BoardRole, BoardRole.user_id == User.id)
        .where(BoardRole.board_id == board_id, User.active.is_(True))
    )
    if roles:
        query = query.where(BoardRole.role.in_(roles))
    return list(db.session.scalars(query.distinct().order_by(User.full_name, User.id)))
