"""`flask --app mtb signing demo-ca`: the demo certificate that signs minutes and letters
when the hospital has configured no key of its own (``mtb.minutes.signing``)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from mtb.minutes import signing

signing_cli = AppGroup("signing", help="The key that signs minutes and decision letters.")


@signing_cli.command("demo-ca")
@click.option("--replace", is_flag=True, help="Make a new demo CA and certificate even if they exist.")
def demo_ca_command(replace: bool) -> None:
    """Make the demo certificate authority and board signing certificate (once) in the instance folder."""
    if not signing.is_demo():
        click.echo("A signing key is configured (MTB_SIGNING_KEY/MTB_SIGNING_CERT or MTB_SIGNING_PKCS12): "
                   "the demo certificate is not used.")
        return
    files = signing.make_demo_ca(current_app.instance_path, current_app.config.get("HOSPITAL_NAME") or "MTB",
                                 replace=replace)
    click.echo(f"Demo signing certificate: {files.cert}")
    click.echo(f"Demo CA to trust when checking signatures (pdfsig, pyHanko): {files.ca}")
    click.echo("Demo only: production configures the hospital's own key (see the README).")


@signing_cli.command("check")
def check_command() -> None:
    """Load the configured key and certificate and say which certificate signs (changes nothing)."""
    try:
        signer = signing.load_signer()
    except (signing.SigningNotConfigured, OSError, ValueError) as error:
        raise click.ClickException(f"The signing key cannot be used: {error}") from error
    cert = signer.signing_cert
    click.echo(f"Documents are signed as: {cert.subject.human_friendly}")
    click.echo(f"Issued by: {cert.issuer.human_friendly}")
    click.echo(f"Valid until: {cert.not_valid_after:%Y-%m-%d}")
    click.echo("Time-stamps (PAdES B-T) from: " + (current_app.config.get("SIGNING_TSA_URL") or "none (PAdES B-B)"))
    if signing.is_demo():
        click.echo("This is the DEMO certificate: configure the hospital's own key in production.")


def register(app) -> None:
    app.cli.add_command(signing_cli)
