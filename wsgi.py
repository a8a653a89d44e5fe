"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from mtb import create_app

app = create_app()
