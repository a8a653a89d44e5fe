"""`flask --app mtb genes refresh FILE`: the gene symbol table from HGNC's complete set.
`flask --app mtb cases reindex`: the search index rebuilt (after a bulk load or a restore)."""

from __future__ import annotations

from pathlib import Path

import click

from mtb.cases import genes, hgnc, search
from mtb.extensions import db


def register(app) -> None:
    @app.cli.group("genes")
    def genes_group():
        """The HGNC gene symbol table biomarker forms are checked against."""

    @genes_group.command("refresh")
    @click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def refresh_command(source: Path):
        """Read HGNC's complete set (hgnc_complete_set.txt from genenames.org) into the table
        in use: HGNC_TABLE if configured, else the instance folder. Restart the app after."""
        target = Path(app.config.get("HGNC_TABLE") or Path(app.instance_path) / genes.REFRESHED_NAME)
        try:
            done = hgnc.refresh(source, target)
        except hgnc.NotHgncFile as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"{target}: {done.approved} approved symbols, {done.rows} rows, HGNC data of {done.date}. "
                   "Restart the web workers to use it.")

    @app.cli.group("cases")
    def cases_group():
        """Cases kept outside the forms' reach."""

    @cases_group.command("reindex")
    def reindex_command():
        """Write the search index of every case again (rows loaded in bulk, a restored copy)."""
        with db.engine.begin() as connection:
            count = search.rebuild(connection)
        click.echo(f"{count} cases indexed for search.")
