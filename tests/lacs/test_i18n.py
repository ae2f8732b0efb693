from pathlib import Path

import polib
import pytest

from lacs.i18n import BASE_DIR, PATTERNS

CATALOGUES = sorted(
    {p for pattern in PATTERNS for p in BASE_DIR.glob(pattern) if ".venv" not in p.parts}
)


def test_there_is_an_english_catalogue():
    assert any(p.parts[-3] == "en" for p in CATALOGUES)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(Path(p).relative_to(BASE_DIR)))
def test_every_catalogue_entry_is_translated(path):
    catalogue = polib.pofile(str(path))
    untranslated = [e.msgid for e in catalogue.untranslated_entries() + catalogue.fuzzy_entries()]
    assert not untranslated


@pytest.mark.django_db
def test_spanish_is_the_default_and_english_is_one_switch_away(client):
    assert 'lang="es-mx"' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="en"' in page and "File a report" in page


@pytest.mark.django_db
def test_browser_language_does_not_override_spanish(client):
    """Tor Browser always asks for en-US; the platform stays Spanish until the person switches."""
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="es-mx"' in page and "Presentar una denuncia" in page
