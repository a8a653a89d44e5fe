"""Every foreign key is the first column of an index (or of the primary key or a unique
constraint): lists filter by them, and deleting the row they point at (a user, a board,
a meeting) would otherwise scan the whole table to set them to NULL or cascade."""

from mtb.extensions import db


def _leading_columns(table) -> set[str]:
    leading = {index.columns.keys()[0] for index in table.indexes if index.columns}
    for constraint in table.constraints:
        columns = [column.name for column in getattr(constraint, "columns", [])]
        if columns and type(constraint).__name__ in ("UniqueConstraint", "PrimaryKeyConstraint"):
            leading.add(columns[0])
    return leading


def test_every_foreign_key_is_indexed(app):
    missing = sorted(
        f"{table.name}.{fk.parent.name}"
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.parent.name not in _leading_columns(table)
    )
    assert not missing, f"add index=True (and a migration) to: {missing}"
