"""Cases pages, one module per page family: lists, the case form, the case page with its
submit and withdraw steps, attachments, and the gene symbols administrators add.

Views are thin: they load through ``mtb.access`` (which owns the 404/403 policy), call
one service, and answer; the request's end commits (``mtb.transaction``).
"""

from flask_login import current_user

from mtb.cases import bp
from mtb.cases.biomarker_labels import number
from mtb.cases.models import Case
from mtb.cases.views import attachments, form, genes, lists, lookups, page, vcf  # noqa: F401  (registers the routes)


@bp.app_context_processor
def case_creation():
    """The top bar offers "My cases" only to people who can create cases."""
    return {"can_create_cases": lambda: Case.can_create(current_user)}


#: A finding's number as the case page prints it (0.04 stays 0.04, 12.50 is 12.5): the
#: session's screens rounded a ctDNA VAF of 0.04 % to 0.0.
bp.app_template_filter("finding_number")(number)
