"""The house rules a reader relies on: parts import only downward, modules stay readable."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mtb"

#: The parts from the bottom up. A part may import the parts below it; news travels up
#: through ``mtb.signals`` and ``mtb.panels``. Top-level modules (``mtb/access.py``,
#: ``mtb/formatting.py``, ``create_app``...) assemble the parts and stand outside this order.
LAYERS = (
    "audit", "boards", "accounts", "notifications", "cases", "trials", "meetings", "decisions", "minutes",
    "exports", "outcomes", "scheduling", "home",
)

#: A module longer than this does more than one kind of thing: split it.
MAX_MODULE_LINES = 500


def _part_imports() -> list[tuple[str, str, str]]:
    """(importing file, its part, imported part) for every import between parts,
    including imports inside functions (they hide a dependency, they do not remove it)."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if len(relative.parts) < 2 or relative.parts[0] not in LAYERS:
            continue
        part = relative.parts[0]
        tree = ast.parse(path.read_text())
        type_checking = {
            id(inner) for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in type_checking:
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                bits = name.split(".")
                if len(bits) > 1 and bits[0] == "mtb" and bits[1] in LAYERS and bits[1] != part:
                    found.append((str(relative), part, bits[1]))
    return found


def test_every_part_is_placed_in_the_layers():
    parts = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists() and p.name not in ("devtools", "translations")}
    assert parts == set(LAYERS)


def test_parts_import_only_the_parts_below_them():
    upward = [
        f"{path} ({part}) imports mtb.{imported}"
        for path, part, imported in _part_imports()
        if LAYERS.index(imported) > LAYERS.index(part)
    ]
    assert upward == [], "send a signal or register a panel instead:\n" + "\n".join(sorted(upward))


def test_no_module_is_longer_than_a_reader_can_hold():
    long = {
        str(path.relative_to(PACKAGE)): length
        for path in PACKAGE.rglob("*.py")
        if (length := path.read_text().count("\n")) > MAX_MODULE_LINES
    }
    assert long == {}
