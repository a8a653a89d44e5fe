"""Cases pages, one module per page family: lists, the case form, the case page with its
submit and withdraw steps, attachments, and the gene symbols administrators add.

Views are thin: they load through ``mtb.access`` (which owns the 404/403 policy), call
one service, and answer; the request's end commits (``mtb.transaction``).
"""

from mtb.cases.views import attachments, form, genes, lists, page  # noqa: F401  (registers the routes)
