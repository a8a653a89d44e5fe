import pytest

from mtb.outcomes import cache


@pytest.fixture(autouse=True)
def fresh_dashboard_cache():
    """Each test reads its own rows: ids and times repeat from one test's database to the next."""
    cache.clear()
    yield
    cache.clear()
