"""Fixtures for the whole suite live in tests/fixtures/, one module per kind."""

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.people",
    "tests.fixtures.cases",
    "tests.fixtures.meetings",
    "tests.fixtures.mail",
    "tests.fixtures.browser",
    "tests.fixtures.demo",
    "tests.fixtures.directory",
    "tests.fixtures.trials",
]
