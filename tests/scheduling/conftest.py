import pytest

from tests.notifications.smtp_capture import smtp_server  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _request_context(app):
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        yield
