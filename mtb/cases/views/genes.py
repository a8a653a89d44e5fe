"""Gene symbols HGNC approved after the shipped table, added by administrators."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from mtb import transaction
from mtb.access import admin_required
from mtb.cases import bp, genes
from mtb.cases.forms import GeneSymbolForm
from mtb.errors import InvalidInput
from mtb.i18n import gettext as _


@bp.route("/admin/genes", methods=["GET", "POST"])
@admin_required
def gene_symbols():
    """HGNC symbols approved after the table in use are added here (also renamed ones)."""
    form = GeneSymbolForm()
    if form.validate_on_submit():
        try:
            gene = genes.add_symbol(form.symbol.data, form.chromosome.data, form.note.data, current_user,
                                    replaces=form.replaces.data)
        except InvalidInput as error:
            transaction.roll_back()
            getattr(form, error.field).errors.append(error.message)
        else:
            if gene.previous_symbol:
                flash(_("%(symbol)s can now be entered in biomarkers; %(previous)s offers it.", symbol=gene.symbol,
                        previous=gene.previous_symbol), "success")
            else:
                flash(_("%(symbol)s can now be entered in biomarkers.", symbol=gene.symbol), "success")
            return redirect(url_for("cases.gene_symbols"))
    return render_template("cases/gene_symbols.html", form=form, symbols=genes.added_symbols(),
                           table_date=genes.table_date())
