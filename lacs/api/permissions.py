"""DRF permission: a role the user holds, and — for OAuth2 tokens — the scope the token carries."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from lacs.access import user_has_role


def scoped(scope: str, *roles: str) -> type[BasePermission]:
    """``permission_classes = [scoped("cases", Role.CONTACT, Role.INVESTIGATOR)]``."""

    class RoleAndScope(BasePermission):
        message = "Su rol o su token no permiten esta operación."

        def has_permission(self, request, view):
            user = request.user
            if not (user and user.is_authenticated and user_has_role(user, *roles)):
                return False
            token = request.auth
            if token is not None and hasattr(token, "is_valid"):
                return token.is_valid([scope])
            return True

    RoleAndScope.scope = scope  # type: ignore[attr-defined]  # read by the OpenAPI scheme
    RoleAndScope.__name__ = f"RoleAndScope_{scope}"
    return RoleAndScope
