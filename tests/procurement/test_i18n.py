"""The procurement pages speak English when asked."""

from __future__ import annotations

from pathlib import Path

from django.urls import reverse
from django.utils import translation

from lacs.models import Role
from tests.conftest import make_user, sign_in


def test_indicators_page_in_english(client, db):
    sign_in(client, make_user(Role.ANALYST))
    client.cookies["django_language"] = "en"
    try:
        response = client.get(reverse("procurement:indicators"), HTTP_ACCEPT_LANGUAGE="en")
    finally:
        translation.activate("es-mx")
    html = response.content.decode()
    assert "Procurement indicators" in html


def test_every_procurement_string_has_an_english_translation():
    import polib

    from procurement.actions import ProcurementError  # noqa: F401 — strings load

    root = Path(__file__).resolve().parents[2]
    catalogue = polib.pofile(str(root / "procurement/locale/en/LC_MESSAGES/django.po"))
    assert catalogue.percent_translated() == 100
    with translation.override("en"):
        assert translation.gettext("Adjudicación directa") == "Direct award"
