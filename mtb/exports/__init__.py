"""Decisions leaving MTB for other systems: the FHIR R4 export of a validated decision
(MII MTB module, HL7 Genomics Reporting), downloadable from the decision page and read by
integration accounts through a token-authenticated, read-only API."""

from flask import Blueprint

bp = Blueprint("exports", __name__)
