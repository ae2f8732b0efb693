"""Security headers on every response, two-factor enforcement for roles that need it, and
query strings the database could not hold refused before any view reads them."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext

from lacs import keys
from lacs.access import requires_two_factor

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Paths where whistle-blowers go: nothing of where they came from leaves the page.
NO_REFERRER_PREFIXES = ("/report", "/api/v1/reports")
# Where a report is filed or followed up: a signed-in visitor's session row is never written there,
# or its new expiry would date the report (and tie it to the person) to the second.
INTAKE_PATHS = re.compile(r"^/(report/(new/|followup/.*)?|api/v1/reports/.*)$")


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.path.startswith(NO_REFERRER_PREFIXES):
            response.headers["Referrer-Policy"] = "no-referrer"
            response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Server", None)
        cookie = getattr(request, "lacs_key_cookie", None)
        if cookie:
            response.set_cookie(
                keys.COOKIE_NAME,
                cookie,
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Strict",
            )
        return response


class LanguageMiddleware:
    """Spanish unless the person chose otherwise with the language switch.

    The browser's Accept-Language is ignored on purpose: Tor Browser always sends en-US, and the
    platform serves Mexico City in Spanish first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class NullOriginSameSiteMiddleware:
    """Lets same-origin form posts from no-referrer pages pass Django's CSRF origin check.

    Under ``Referrer-Policy: no-referrer`` browsers send ``Origin: null`` on POST, even to the
    same site. ``Sec-Fetch-Site`` is set by the browser itself and cannot be forged by a page:
    when it says ``same-origin``, the request's own origin is the true one. The CSRF token is
    still checked as usual.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.META.get("HTTP_ORIGIN") == "null"
            and request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin"
        ):
            request.META["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)


TWO_FACTOR_EXEMPT = ("/accounts/", "/static/", "/healthz", "/i18n/")
# Anyone may report or follow up anonymously, signed in or not (the intake ignores the session).
ANONYMOUS_INTAKE = re.compile(r"^/report/(new/|followup/.*)?$")


class RequireTwoFactorMiddleware:
    """A signed-in user whose role needs TOTP reaches nothing but the TOTP pages until verified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(TWO_FACTOR_EXEMPT)
            and not ANONYMOUS_INTAKE.match(request.path)
            and requires_two_factor(user)
            and not user.is_verified()
        ):
            return redirect(f"{reverse('two_factor')}?next={request.path}")
        return self.get_response(request)


class OnionLocationMiddleware:
    """On the clear-web site, names the same page at the onion service (``LACS_ONION_LOCATION``):
    Tor Browser offers to switch to it. Not sent from the onion service itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        onion = settings.ONION_LOCATION
        host = request.META.get("HTTP_HOST", "").split(":")[0]
        html = response.get("Content-Type", "").startswith("text/html")
        if onion and html and response.status_code == 200 and not host.endswith(".onion"):
            response.headers["Onion-Location"] = onion + request.get_full_path()
        return response


class IntakeSessionMiddleware(SessionMiddleware):
    """Django's session middleware, except that intake paths never save the session.

    Sessions are saved on every request (an inactivity timeout); on intake paths that save would
    be a timestamp of the filing beside the signed-in person's name.
    """

    def process_response(self, request, response):
        if INTAKE_PATHS.match(request.path):
            return response
        return super().process_response(request, response)


class RejectUnstorableQueryMiddleware:
    """A NUL in a query string is a 400 before any view builds a query from it.

    PostgreSQL cannot hold NUL in text, and psycopg refuses to send one: every filter that took a
    query-string value crashed with a 500. API views answer in the API's JSON error shape.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if "\x00" not in request.META.get("QUERY_STRING", "") and not any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return None
        message = gettext("La consulta contiene un carácter no permitido (NUL).")
        if getattr(view_func, "cls", None) is not None:  # a DRF view
            return JsonResponse({"code": "invalid_query", "message": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
