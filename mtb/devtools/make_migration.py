"""Write a migration for the difference between the models and the migrations.

Usage: ``make migration MSG="add x"``: builds a scratch SQLite database from the
existing migrations, lets Alembic compare it with the models, and writes the new
revision under migrations/versions/. Review it before committing.
"""

from __future__ import annotations

import os
import sys
import tempfile

from flask_migrate import migrate, upgrade


def main() -> None:
    message = os.environ.get("MSG") or (sys.argv[1] if len(sys.argv) > 1 else "schema")
    with tempfile.TemporaryDirectory() as scratch:
        from mtb import create_app

        app = create_app({"DATABASE_URL": f"sqlite:///{scratch}/scratch.sqlite3", "SECRET_KEY": "scratch"})
        with app.app_context():
            upgrade()
            migrate(message=message)


if __name__ == "__main__":
    main()
