"""HTTP hardening: CSP without inline scripts, secure cookies over HTTPS, proxy headers."""

from __future__ import annotations

from flask import request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def init_app(app) -> None:
    app.session_interface = SessionInterface()
    if app.config.get("BEHIND_PROXY"):
        # Trust one proxy's X-Forwarded-* so request.is_secure sees the TLS it terminated.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Pages with patient data must not linger in shared browser caches.
        if response.mimetype == "text/html" or response.headers.get("Content-Disposition"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
