"""Demo data: `flask --app mtb seed-demo` (run by `make run` on an empty database)."""

from __future__ import annotations

import importlib
import importlib.util
import logging

import click
import sqlalchemy as sa
from flask import current_app

from mtb.accounts import services as accounts
from mtb.accounts.models import Role, User
from mtb.boards import services as boards
from mtb.extensions import db
from mtb.vocab import Specialty

log = logging.getLogger(__name__)

DEMO_USERS = (
    # email, name, specialty, roles on every board, admin
    ("admin@example.org", "Alex Martin", None, (), True),
    ("clinician@example.org", "Dr Claire Dubois", Specialty.MEDICAL_ONCOLOGY, (Role.CLINICIAN,), False),
    ("secretary@example.org", "Sophie Bernard", None, (Role.SECRETARY,), False),
    ("chair@example.org", "Pr Henri Laurent", Specialty.MEDICAL_ONCOLOGY, (Role.MEMBER, Role.CHAIR), False),
    ("member@example.org", "Dr Marie Petit", Specialty.PATHOLOGY, (Role.MEMBER,), False),
)
# The demo says every account holds "those roles on all three boards": the admin
# too holds a member role so it sees the boards it administers.
DEMO_ADMIN_ROLES = (Role.MEMBER,)

#: Extra members so the demo meetings can reach quorum.
DEMO_EXTRA_MEMBERS = (
    ("geneticist@example.org", "Dr Paul Moreau", Specialty.GENETICS),
    ("biologist@example.org", "Dr Léa Garnier", Specialty.MOLECULAR_BIOLOGY),
    ("paediatrician@example.org", "Dr Nora Haddad", Specialty.PAEDIATRIC_ONCOLOGY),
    ("dermatologist@example.org", "Dr Hugo Lefèvre", Specialty.DERMATOLOGY),
)


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def seed_demo() -> None:
    """Create boards, demo accounts and each part's demo data. Assumes an empty database."""
    password = current_app.config["DEMO_PASSWORD"]
    all_boards = boards.ensure_default_boards()
    for email, name, specialty, roles, admin in DEMO_USERS:
        user = accounts.create_user(email, name, password, is_admin=admin, specialty=specialty, check_strength=False)
        for board in all_boards:
            for role in roles or DEMO_ADMIN_ROLES:
                accounts.grant_role(user, board, role)
    for email, name, specialty in DEMO_EXTRA_MEMBERS:
        user = accounts.create_user(email, name, password, specialty=specialty, check_strength=False)
        for board in all_boards:
            accounts.grant_role(user, board, Role.MEMBER)
    db.session.flush()
    # Each part adds its demo data in domain order: cases, meetings, decisions, then the signed minutes.
    for part in ("cases", "trials", "meetings", "decisions", "minutes", "exports", "outcomes"):
        module_name = f"mtb.{part}.demo"
        if importlib.util.find_spec(module_name) is not None:
            importlib.import_module(module_name).seed()
            db.session.flush()


def register(app) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when accounts already exist.")
    def seed_demo_command(if_empty):
        """Load the demo boards, accounts, cases, meetings and decisions."""
        if not database_is_empty():
            if if_empty:
                click.echo("Database already has data; demo not loaded.")
                return
            raise click.ClickException("The database is not empty; demo data goes into an empty database only.")
        seed_demo()
        db.session.commit()
        click.echo("Demo data loaded. Log in as clinician@example.org, secretary@example.org, "
                   "chair@example.org, member@example.org or admin@example.org.")

    @app.cli.command("init-boards")
    def init_boards_command():
        """Create the three default boards if missing (production installs)."""
        boards.ensure_default_boards()
        db.session.commit()
        click.echo("Boards ready.")
