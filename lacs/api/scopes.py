"""OAuth2 scopes and the roles that may be granted each one.

A token never carries a scope its user's roles do not allow: the validator below narrows every
request to what the roles permit, for the password grant and for client credentials (where the
application's owner is the user).
"""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.oauth2_validators import OAuth2Validator

from lacs import throttle
from lacs.access import requires_two_factor, user_roles
from lacs.models import Role

# The scope names are declared in settings.OAUTH2_PROVIDER["SCOPES"]; here, who may hold each.
SCOPE_ROLES = {
    "cases": {Role.CONTACT, Role.INVESTIGATOR},
    "entities": {Role.ADMIN},
    "dashboards": {Role.CPC, Role.COMMITTEE, Role.ADMIN},
    "procurement": {Role.ANALYST, Role.ADMIN},
    "ethics": {Role.SERVANT, Role.CONTACT, Role.ADMIN},
    "pdn": {
        Role.ADMIN,
        Role.CPC,
        Role.ANALYST,
        Role.SERVANT,
        Role.CONTACT,
        Role.INVESTIGATOR,
        Role.COMMITTEE,
    },
}
# PDN System 1 names its scope ``read:declaraciones``: whoever may hold ``pdn`` may hold it.
SCOPE_ROLES["read:declaraciones"] = SCOPE_ROLES["pdn"]


def allowed_scopes(user) -> set[str]:
    roles = user_roles(user) if user is not None and user.is_active else set()
    return {scope for scope, needed in SCOPE_ROLES.items() if roles & needed}


class RoleScopedValidator(OAuth2Validator):
    def validate_user(self, username, password, client, request, *args, **kwargs):
        """The password grant: slowed like the log-in page (``lacs.throttle``), and a TOTP code
        (``otp``) for roles that must use two-factor sign-in or while the account is slowed."""
        account = (username or "").strip().lower()
        source = throttle.source_of(getattr(request, "headers", None))
        guard = throttle.login_guard(account, source)
        token = str(request._params.get("otp") or "").replace(" ", "")
        if guard.wait and not token:
            return False
        ok = super().validate_user(username, password, client, request, *args, **kwargs)
        if ok and (guard.wait or requires_two_factor(request.user)):
            device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
            ok = device is not None and bool(token) and device.verify_token(token)
        if not ok:
            throttle.login_failed(account, source)
            request.user = None
            return False
        throttle.login_succeeded(account)
        return True

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        user = request.user or getattr(client, "user", None)
        return set(scopes) <= allowed_scopes(user)

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        user = request.user or getattr(request.client, "user", None)
        return sorted(allowed_scopes(user))
