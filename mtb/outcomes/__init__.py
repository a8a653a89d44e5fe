"""What happens after the board: follow-up of each recommendation, turnaround per step,
the board and site dashboards, and research exports."""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)
