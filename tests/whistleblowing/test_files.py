"""Attachments are checked by content and lose their metadata before they are sealed."""

import io
import zipfile

import pytest
from PIL import Image

from whistleblowing.files import FileRejected, clean_file


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (16, 8), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "CamaraDelDenunciante"  # Make
    exif[0x0112] = 6  # Orientation: rotated
    exif[0x8825] = {1: "N", 2: (19.0, 26.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_jpeg_loses_exif_and_gps_and_is_turned_upright():
    raw = jpeg_with_gps()
    assert b"CamaraDelDenunciante" in raw
    clean = clean_file("IMG_0001.JPG", raw)
    assert clean.cleaned and clean.content_type == "image/jpeg" and clean.name == "IMG_0001.jpg"
    assert b"CamaraDelDenunciante" not in clean.data and b"Exif" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.size == (8, 16)  # the orientation was applied before EXIF was dropped
        assert not image.getexif()


def test_pdf_loses_its_information_dictionary():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(72, 72)
    writer.add_metadata({"/Author": "Juana Pérez", "/Producer": "Oficina 3"})
    out = io.BytesIO()
    writer.write(out)
    clean = clean_file("escrito.pdf", out.getvalue())
    assert clean.cleaned and b"Juana" not in clean.data and b"Oficina 3" not in clean.data
    assert len(PdfReader(io.BytesIO(clean.data)).pages) == 1


def test_text_is_kept_and_office_documents_are_rebuilt():
    assert clean_file("notas.txt", b"hola").cleaned is False
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    clean = clean_file("carta.docx", out.getvalue())
    assert clean.name == "carta.docx" and clean.cleaned is True  # see test_metadata_canary


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("foto.jpg", b"\xff\xd8\xff\xe0roto", "está dañado"),
        ("programa.exe", b"MZ\x90\x00\x03", "no es de un tipo permitido"),
        ("vacío.txt", b"", "está vacío"),
        ("comprimido.zip", b"PK\x03\x04basura", "no es de un tipo permitido"),
    ],
)
def test_disallowed_or_damaged_files_are_refused_by_name(name, data, message):
    with pytest.raises(FileRejected, match=message):
        clean_file(name, data)


def test_a_renamed_executable_is_judged_by_its_content():
    with pytest.raises(FileRejected):
        clean_file("foto.png", b"MZ\x90\x00\x03\x00\x00\x00")
