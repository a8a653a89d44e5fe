from tests.notifications.smtp_capture import smtp_server  # noqa: F401  (fixture)
