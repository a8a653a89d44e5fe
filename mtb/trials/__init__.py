"""The site's open clinical trials: a registry kept by admins and secretaries (NCT, EU CT,
EudraCT, ID-RCB ids; structured eligibility), imported from ClinicalTrials.gov API v2
study records, and matched to each case's findings."""

from flask import Blueprint

bp = Blueprint("trials", __name__)
