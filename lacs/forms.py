from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from lacs import throttle
from lacs.access import requires_two_factor
from lacs.models import Category, ContactPoint, Entity, RoleAssignment


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Usuario"), max_length=150)
    password = forms.CharField(label=_("Contraseña"), widget=forms.PasswordInput)
    otp_token = forms.CharField(
        label=_("Código de verificación (si usa autenticación en dos pasos)"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = None
        self.device = None

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password") or ""
        token = (self.cleaned_data.get("otp_token") or "").replace(" ", "")
        account = username.lower()
        source = throttle.source_of(getattr(self.request, "META", None))
        guard = throttle.login_guard(account, source)
        if guard.wait and not token:
            raise self._slowed(guard.wait)
        user = authenticate(self.request, username=username, password=password)
        device = None
        if user is not None:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if user is not None and not _second_factor_ok(user, device, token, slowed=guard.wait > 0):
            user = None
        if user is None:
            throttle.login_failed(account, source)
            if guard.wait:  # the same answer whatever the password was
                raise self._slowed(guard.wait)
            raise forms.ValidationError(
                _("Usuario, contraseña o código incorrectos."), code="invalid_login"
            )
        throttle.login_succeeded(account)
        self.user, self.device = user, device
        return self.cleaned_data

    @staticmethod
    def _slowed(seconds: int) -> forms.ValidationError:
        return forms.ValidationError(
            _(
                "Demasiados intentos fallidos con esta cuenta. Espere %(s)s segundos, o escriba "
                "el código de verificación de su aplicación para entrar ahora."
            )
            % {"s": seconds},
            code="slowed",
        )


def _second_factor_ok(user, device, token: str, *, slowed: bool) -> bool:
    """While slowed, only the second factor lets anyone in; two-factor roles always need it."""
    if not (slowed or requires_two_factor(user)):
        return True
    if device is None:
        return not slowed  # a two-factor role not yet enrolled enrols after signing in
    return bool(token) and device.verify_token(token)


class ConfirmIdentityForm(forms.Form):
    """Password, and the TOTP code when the user has a device: before a sensitive action."""

    password = forms.CharField(label=_("Contraseña"), widget=forms.PasswordInput)
    otp_token = forms.CharField(
        label=_("Código de verificación"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if self.device is None:
            del self.fields["otp_token"]

    def clean(self):
        subject = f"reauth:{self.user.pk}"
        if throttle.is_locked("login", subject, limit=settings.LOGIN_FAILURE_LIMIT):
            raise forms.ValidationError(
                _("Demasiados intentos fallidos. Espere %(minutes)s minutos e intente de nuevo.")
                % {"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)}
            )
        ok = self.user.check_password(self.cleaned_data.get("password") or "")
        if ok and self.device is not None:
            token = (self.cleaned_data.get("otp_token") or "").replace(" ", "")
            ok = bool(token) and self.device.verify_token(token)
        if not ok:
            throttle.record_failure("login", subject, window=settings.LOGIN_LOCKOUT_SECONDS)
            raise forms.ValidationError(_("La contraseña o el código no son correctos."))
        throttle.clear("login", subject)
        return self.cleaned_data


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Código de 6 dígitos de su aplicación"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, device: TOTPDevice, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_otp_token(self):
        token = self.cleaned_data["otp_token"].replace(" ", "")
        if not self.device.verify_token(token):
            raise forms.ValidationError(_("El código no es válido. Revise la hora de su teléfono."))
        return token


class EntityForm(forms.ModelForm):
    class Meta:
        model = Entity
        fields = [
            "name",
            "acronym",
            "kind",
            "parent",
            "is_comptroller",
            "escrow_public_key",
            "active",
        ]


class ContactPointForm(forms.ModelForm):
    class Meta:
        model = ContactPoint
        fields = ["user", "kind", "start", "end"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, entity: Entity, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.entity = entity
        self.fields["user"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "name_en",
            "description",
            "specialised_unit",
            "retention_days",
            "active",
            "position",
        ]


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "entity", "start", "end"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }
