"""Demo data of the exports part: an integration account reading every board, with a token
the README gives (a demo database only: a real account's token is random and shown once)."""

from __future__ import annotations

import sqlalchemy as sa

from mtb.boards.models import Board
from mtb.exports.models import IntegrationAccount
from mtb.exports.services import token_hash
from mtb.extensions import db

DEMO_TOKEN = "mtb_demo-data-warehouse-token-not-for-production"


def seed() -> None:
    boards = list(db.session.scalars(sa.select(Board).order_by(Board.name)))
    db.session.add(IntegrationAccount(name="Data warehouse (demo)", token_hash=token_hash(DEMO_TOKEN),
                                      token_hint=DEMO_TOKEN[:10], boards=boards))
    db.session.flush()
