"""The system core's permission policy: who holds which role, where.

Apps ask here rather than reading RoleAssignment or ContactPoint themselves. Pages use
``role_required``; objects are fetched and authorised together by each app's own access module.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from lacs.models import ContactPoint, Entity, Role, RoleAssignment


def _cache(user) -> dict:
    if not hasattr(user, "_lacs_roles"):
        roles: dict[str, set[int | None]] = {}
        if user.is_authenticated and user.is_active:
            for role, entity_id in (
                RoleAssignment.objects.current().filter(user=user).values_list("role", "entity_id")
            ):
                roles.setdefault(role, set()).add(entity_id)
            for entity_id in (
                ContactPoint.objects.current().filter(user=user).values_list("entity_id", flat=True)
            ):
                roles.setdefault(Role.CONTACT, set()).add(entity_id)
            if user.is_superuser:
                roles.setdefault(Role.ADMIN, set()).add(None)
        user._lacs_roles = roles
    return user._lacs_roles


def user_roles(user) -> set[str]:
    return set(_cache(user))


def user_has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def role_is_city_wide(user, role: str) -> bool:
    """Whether ``user`` holds ``role`` without an entity (across the whole city)."""
    return None in _cache(user).get(role, set())


def role_entity_ids(user, role: str) -> set[int]:
    """Ids of the entities where ``user`` holds ``role``."""
    return {pk for pk in _cache(user).get(role, set()) if pk is not None}


def role_entities(user, role: str) -> QuerySet[Entity]:
    """Entities where ``user`` currently holds ``role`` (a contact point's entities, say)."""
    return Entity.objects.filter(pk__in=role_entity_ids(user, role))


def requires_two_factor(user) -> bool:
    return user.is_authenticated and (
        user.is_staff or user_has_role(user, *settings.TWO_FACTOR_ROLES)
    )


# Roles whose holders receive case keys or identity keys: never held by an administrator.
RECIPIENT_ROLES = (Role.INVESTIGATOR, Role.CUSTODIAN)


def _live() -> Q:
    """Appointments that have not ended (current or starting later)."""
    return Q(end__isnull=True) | Q(end__gte=timezone.localdate())


def is_administrator(user) -> bool:
    """Whether ``user`` runs the platform: Django staff or superuser, or an admin role not ended."""
    if user is None or not user.is_authenticated:
        return False
    return (
        user.is_staff
        or user.is_superuser
        or RoleAssignment.objects.filter(_live(), user=user, role=Role.ADMIN).exists()
    )


def holds_recipient_role(user) -> bool:
    """Whether ``user`` is, or is appointed to become, a contact point, investigator or custodian."""
    return (
        ContactPoint.objects.filter(_live(), user=user).exists()
        or RoleAssignment.objects.filter(_live(), user=user, role__in=RECIPIENT_ROLES).exists()
    )


def forget_roles(user) -> None:
    if hasattr(user, "_lacs_roles"):
        del user._lacs_roles


def role_required(*roles: str) -> Callable:
    """Page decorator: anonymous users go to log-in; signed-in users without a role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.lacs_roles = roles  # type: ignore[attr-defined]  # for introspection
        return wrapped

    return decorator


def page_policy(allowed: Callable[..., bool]) -> Callable:
    """Page decorator for a policy beyond roles: anonymous users go to log-in; signed-in users
    for whom ``allowed(user)`` is false get 403. Pages that fetch one object authorise it with
    their app's ``access_*`` helper (404 for missing and forbidden alike)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Pages whose object is authorised by an ``access_*`` helper: only signing in is checked here.
signed_in_page = page_policy(lambda user: True)


REAUTH_SESSION_KEY = "lacs_reauth_at"


def mark_recent_auth(request) -> None:
    """Record that the person just proved who they are (log-in or confirmation page)."""
    request.session[REAUTH_SESSION_KEY] = int(time.time())


def has_recent_auth(request) -> bool:
    at = request.session.get(REAUTH_SESSION_KEY, 0)
    return time.time() - at <= settings.REAUTH_SECONDS


def recent_auth_required(view):
    """Sensitive actions: ask for the password (and TOTP code) again after REAUTH_SECONDS."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and not has_recent_auth(request):
            target = request.get_full_path()
            if request.method != "GET":  # a post cannot be replayed: back to the page it came from
                referer = request.META.get("HTTP_REFERER", "")
                allowed = url_has_allowed_host_and_scheme(
                    referer, allowed_hosts={request.get_host()}
                )
                target = referer if allowed else "/"
            return redirect(f"{reverse('confirm_identity')}?{urlencode({'next': target})}")
        return view(request, *args, **kwargs)

    return wrapped


def staff_roles() -> Iterable[str]:
    return [r for r in Role.values if r != Role.SERVANT]


def staff_page(view):
    """Administration pages: the admin role, and the password (and code) asked again when stale."""
    return role_required(Role.ADMIN)(recent_auth_required(view))
