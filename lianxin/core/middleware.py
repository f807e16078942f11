"""Remembers who is asking and from where, so the audit log can say it without every
service taking the request as an argument."""

from contextvars import ContextVar

_request_info: ContextVar[dict | None] = ContextVar("lianxin_request_info", default=None)


def current_request_info() -> dict:
    return _request_info.get() or {}


def client_ip(request) -> str | None:
    """The client's address. X-Forwarded-For is believed only from a configured reverse proxy
    (LIANXIN_TRUSTED_PROXIES); from anyone else it could forge the audit trail."""
    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and remote in settings.TRUSTED_PROXIES:
        return forwarded.split(",")[-1].strip() or remote
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_info.set(
            {
                "ip": client_ip(request),
                "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            }
        )
        try:
            return self.get_response(request)
        finally:
            _request_info.reset(token)


class LanguageMiddleware:
    """Chinese by default, whatever the browser asks for; English when the user picks it
    (the language cookie set by Django's set_language view)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if lang not in dict(settings.LANGUAGES):
            lang = settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = lang
        # For this request only: the thread goes back to its language afterwards (a worker's
        # next job, or a test's, must not inherit the last visitor's English).
        with translation.override(lang):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        return response
