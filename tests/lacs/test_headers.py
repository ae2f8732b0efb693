import pytest

from lacs.middleware import CSP

pytestmark = pytest.mark.django_db


def test_every_page_carries_a_strict_csp_and_no_server_version(client):
    response = client.get("/")
    assert response["Content-Security-Policy"] == CSP
    assert "unsafe-inline" not in CSP and "frame-ancestors 'none'" in CSP
    assert response["X-Frame-Options"] == "DENY"
    assert "Server" not in response


def test_intake_paths_send_no_referrer_and_are_not_cached(client):
    response = client.get("/report/__no-such-page__")  # any intake path, even a 404
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"


def test_null_origin_post_passes_csrf_only_when_the_browser_says_same_origin(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.get("/accounts/login/")
    token = strict.cookies["csrftoken"].value
    data = {"csrfmiddlewaretoken": token, "username": "x", "password": "y"}
    same = strict.post(
        "/accounts/login/", data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin"
    )
    cross = strict.post(
        "/accounts/login/", data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert same.status_code == 200  # reached the form: wrong password shown
    assert cross.status_code == 403
