"""flask --app mtb users create|grant|list|check-ldap"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from mtb.accounts import directory, external, services
from mtb.accounts.models import Role
from mtb.boards.models import Board
from mtb.errors import InvalidInput
from mtb.extensions import db

users_cli = AppGroup("users", help="Create accounts and grant board roles.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", "full_name", required=True, help="Full name shown to others.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Site administrator.")
@click.option("--specialty", default=None, help="e.g. medical_oncology, pathology.")
@click.option("--role", "roles", multiple=True, metavar="BOARD:ROLE", help="e.g. thoracic:secretary (repeatable).")
def create(email, full_name, password, admin, specialty, roles):
    """Create an account."""
    try:
        user = services.create_user(email, full_name, password, is_admin=admin, specialty=specialty)
        for spec in roles:
            _grant(user, spec)
    except InvalidInput as error:
        raise click.BadParameter(error.message, param_hint=error.field)
    db.session.commit()
    click.echo(f"Created {user.email}.")


@users_cli.command("grant")
@click.argument("email")
@click.argument("roles", nargs=-1, required=True, metavar="BOARD:ROLE...")
def grant(email, roles):
    """Grant board roles to an existing account."""
    user = services.get_user_by_email(email)
    if user is None:
        raise click.BadParameter(f"no account {email}", param_hint="email")
    for spec in roles:
        _grant(user, spec)
    db.session.commit()
    click.echo(f"{user.email}: " + ", ".join(sorted(f"{r.board.slug}:{r.role.value}" for r in user.roles)))


@users_cli.command("list")
def list_users():
    """List accounts with their roles."""
    for user in services.list_users():
        roles = ", ".join(sorted(f"{r.board.slug}:{r.role.value}" for r in user.roles))
        flags = " [admin]" if user.is_admin else ""
        flags += "" if user.active else " [inactive]"
        flags += f" [{user.auth_source}]" if user.from_directory else ""
        click.echo(f"{user.email}{flags}  {roles}")


@users_cli.command("check-ldap")
@click.argument("login")
@click.option("--password", prompt=True, hide_input=True)
def check_ldap(login, password):
    """Try the LDAP settings with a person's login, changing nothing in MTB."""
    if not directory.enabled():
        raise click.ClickException("MTB_LDAP_URL is not set")
    result = directory.authenticate(login, password)
    click.echo(f"directory: {result.outcome.value}")
    if result.identity is not None:
        identity = result.identity
        click.echo(f"id: {identity.external_id}\ne-mail: {identity.email}\nname: {identity.full_name}")
        click.echo(f"specialty: {external.specialty_from(identity.specialty) or '-'} ({identity.specialty or 'none'})")
        roles = [f"{slug}:{role.value}" for slug, role, group in external.role_map() if group in identity.groups]
        click.echo("mapped roles: " + (", ".join(roles) or "none"))
    if result.outcome != directory.Outcome.OK:
        raise SystemExit(1)


def _grant(user, spec: str) -> None:
    try:
        slug, role_name = spec.split(":", 1)
        role = Role(role_name)
    except ValueError:
        raise click.BadParameter(f"{spec!r}: use BOARD:ROLE, ROLE one of {', '.join(r.value for r in Role)}")
    board = db.session.scalar(sa.select(Board).where(Board.slug == slug))
    if board is None:
        raise click.BadParameter(f"no board {slug!r}")
    services.grant_role(user, board, role)


def register(app) -> None:
    app.cli.add_command(users_cli)
