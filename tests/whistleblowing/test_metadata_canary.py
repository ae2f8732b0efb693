"""A canary in every place an Office document or a PDF hides its author; none survives intake.

The corpus is built here (no binary fixtures). After a report is filed through the API, each
stored attachment is decrypted, every zip member decompressed and every PDF stream decoded, and
the canary is looked for in all of it.
"""

from __future__ import annotations

import base64
import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from lacs import crypto
from tests.whistleblowing.factories import questionnaire
from whistleblowing import access
from whistleblowing.files import FileRejected, clean_file
from whistleblowing.models import Attachment
from whistleblowing.sealing import aad

pytestmark = pytest.mark.django_db
CANARY = "KanarioZ9"


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = CANARY  # Make
    exif[0x013B] = CANARY  # Artist
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="JPEG", exif=exif, comment=CANARY.encode())
    return out.getvalue()


def png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", CANARY)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _zip(parts: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


CORE = (
    f'<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:creator>{CANARY}</dc:creator>'
    f"<cp:lastModifiedBy>{CANARY}</cp:lastModifiedBy><dc:title>{CANARY}</dc:title></cp:coreProperties>"
)
APP = f"<Properties><Company>{CANARY}</Company><Manager>{CANARY}</Manager></Properties>"
CUSTOM = (
    f'<Properties><property name="Owner"><vt:lpwstr>{CANARY}</vt:lpwstr></property></Properties>'
)
TYPES = (
    '<Types><Override PartName="/docProps/custom.xml" ContentType="x"/>'
    '<Override PartName="/docProps/core.xml" ContentType="y"/></Types>'
)
RELS = (
    '<Relationships><Relationship Id="r1" Target="docProps/custom.xml" Type="custom"/>'
    '<Relationship Id="r2" Target="docProps/thumbnail.jpeg" Type="thumb"/>'
    f'<Relationship Id="r3" Target="http://{CANARY}.example/t.dotx" TargetMode="External"/>'
    "</Relationships>"
)


def docx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": TYPES,
            "_rels/.rels": RELS,
            "docProps/core.xml": CORE,
            "docProps/app.xml": APP,
            "docProps/custom.xml": CUSTOM,
            "docProps/thumbnail.jpeg": jpeg_with_exif(),
            "customXml/item1.xml": f"<root>{CANARY}</root>",
            "word/document.xml": (
                f'<w:document><w:body><w:p w:rsidR="{CANARY}" w:rsidRDefault="{CANARY}">'
                f'<w:ins w:id="1" w:author="{CANARY}" w:date="2026-01-01T00:00:00Z">'
                "<w:r><w:t>Texto</w:t></w:r></w:ins>"
                f'<w:del w:id="2" w:author="{CANARY}"><w:r><w:delText>x</w:delText></w:r></w:del>'
                "</w:p></w:body></w:document>"
            ),
            "word/comments.xml": (
                f'<w:comments><w:comment w:id="0" w:author="{CANARY}" w:initials="{CANARY}">'
                "<w:p><w:r><w:t>Nota</w:t></w:r></w:p></w:comment></w:comments>"
            ),
            "word/people.xml": f'<w15:people><w15:person w15:author="{CANARY}"/></w15:people>',
            "word/settings.xml": (
                f'<w:settings><w:rsids><w:rsidRoot w:val="{CANARY}"/><w:rsid w:val="{CANARY}"/>'
                "</w:rsids></w:settings>"
            ),
            "word/_rels/settings.xml.rels": (
                '<Relationships><Relationship Id="t" Type="attachedTemplate" '
                f'Target="file://{CANARY}/plantilla.dotm" TargetMode="External"/></Relationships>'
            ),
            "word/_rels/document.xml.rels": (
                '<Relationships><Relationship Id="i" Type="image" TargetMode="External" '
                f'Target="https://{CANARY}.example/pixel.png"/></Relationships>'
            ),
            "word/vbaProject.bin": CANARY.encode() * 4,
            "word/media/image1.jpeg": jpeg_with_exif(),
        }
    )


def xlsx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": TYPES,
            "_rels/.rels": RELS,
            "docProps/core.xml": CORE,
            "docProps/app.xml": APP,
            "xl/workbook.xml": "<workbook/>",
            "xl/comments1.xml": (
                f"<comments><authors><author>{CANARY}</author></authors>"
                '<commentList><comment ref="A1" authorId="0"><text>n</text></comment>'
                "</commentList></comments>"
            ),
            "xl/persons/person.xml": f'<personList><person displayName="{CANARY}"/></personList>',
            "xl/externalLinks/externalLink1.xml": f"<externalLink>{CANARY}</externalLink>",
            "xl/media/image1.png": png_with_text(),
        }
    )


def pptx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": TYPES,
            "_rels/.rels": RELS,
            "docProps/core.xml": CORE,
            "docProps/app.xml": APP,
            "ppt/presentation.xml": "<p:presentation/>",
            "ppt/commentAuthors.xml": (
                f'<p:cmAuthorLst><p:cmAuthor id="0" name="{CANARY}" initials="{CANARY}"/>'
                "</p:cmAuthorLst>"
            ),
            "ppt/media/image1.jpeg": jpeg_with_exif(),
        }
    )


def odf(mimetype: str) -> bytes:
    return _zip(
        {
            "mimetype": mimetype,
            "META-INF/manifest.xml": (
                '<manifest:manifest><manifest:file-entry manifest:full-path="settings.xml"/>'
                '<manifest:file-entry manifest:full-path="Thumbnails/thumbnail.png"/>'
                "</manifest:manifest>"
            ),
            "meta.xml": (
                f"<office:document-meta><office:meta><meta:initial-creator>{CANARY}"
                f"</meta:initial-creator><dc:creator>{CANARY}</dc:creator>"
                f'<meta:user-defined meta:name="x">{CANARY}</meta:user-defined>'
                "</office:meta></office:document-meta>"
            ),
            "content.xml": (
                "<office:document-content><office:body><office:text>"
                f"<text:tracked-changes><text:changed-region><text:insertion><office:change-info>"
                f"<dc:creator>{CANARY}</dc:creator><dc:date>2026-01-01</dc:date>"
                "</office:change-info></text:insertion></text:changed-region></text:tracked-changes>"
                f"<text:p><office:annotation><dc:creator>{CANARY}</dc:creator>"
                "<text:p>Nota</text:p></office:annotation>Texto</text:p>"
                f'<draw:image xlink:href="http://{CANARY}.example/x.png"/>'
                "</office:text></office:body></office:document-content>"
            ),
            "settings.xml": f"<office:settings>{CANARY}</office:settings>",
            "Thumbnails/thumbnail.png": png_with_text(),
            "Basic/Standard/Module1.xml": f"<script>{CANARY}</script>",
            "Pictures/foto.jpg": jpeg_with_exif(),
        }
    )


def pdf() -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        ByteStringObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    writer.add_metadata({"/Author": CANARY, "/Creator": CANARY})
    xmp = DecodedStreamObject()
    xmp.set_data(f"<x:xmpmeta><dc:creator>{CANARY}</dc:creator></x:xmpmeta>".encode())
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    page_xmp = DecodedStreamObject()
    page_xmp.set_data(f"<x:xmpmeta>{CANARY}</x:xmpmeta>".encode())
    page[NameObject("/Metadata")] = writer._add_object(page_xmp)
    annot = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/T"): TextStringObject(CANARY),
            NameObject("/Contents"): TextStringObject("Nota"),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(annot)])
    jpeg = jpeg_with_exif()
    image = DecodedStreamObject()
    image._data = jpeg
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(8),
            NameObject("/Height"): NumberObject(8),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/DCTDecode"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(image)})}
    )
    writer.add_attachment(f"{CANARY}.txt", CANARY.encode())
    script = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(f"app.alert('{CANARY}');"),
        }
    )
    script_ref = writer._add_object(script)
    writer._root_object[NameObject("/OpenAction")] = script_ref
    names = writer._root_object.setdefault(NameObject("/Names"), DictionaryObject()).get_object()
    names[NameObject("/JavaScript")] = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("s"), script_ref])}
    )
    writer._ID = ArrayObject([ByteStringObject(CANARY.encode()), ByteStringObject(CANARY.encode())])
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert CANARY.encode() in data
    return data


CORPUS = {
    "carta.docx": docx,
    "tabla.xlsx": xlsx,
    "lamina.pptx": pptx,
    "texto.odt": lambda: odf("application/vnd.oasis.opendocument.text"),
    "hoja.ods": lambda: odf("application/vnd.oasis.opendocument.spreadsheet"),
    "escrito.pdf": pdf,
}


def everything_inside(data: bytes) -> list[bytes]:
    """The bytes, every zip member decompressed, every PDF stream decoded (recursively)."""
    found = [data]
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                found.append(name.encode())
                found.extend(everything_inside(archive.read(name)))
    elif data.startswith(b"%PDF-"):
        from pypdf import PdfReader
        from pypdf.generic import StreamObject

        reader = PdfReader(io.BytesIO(data))
        found.append(repr(reader.trailer).encode())
        for number in range(1, int(reader.trailer["/Size"])):
            obj = reader.get_object(number)  # None for a free entry
            if obj is None:
                continue
            found.append(repr(obj).encode())
            if isinstance(obj, StreamObject):
                try:
                    found.append(obj.get_data())
                except Exception:
                    found.append(obj._data)
    return found


def canary_in(data: bytes) -> bool:
    needles = (CANARY.encode(), CANARY.encode("utf-16-be"), CANARY.encode().hex().encode())
    return any(n in chunk for chunk in everything_inside(data) for n in needles)


def test_the_corpus_really_carries_the_canary():
    assert all(canary_in(make()) for make in CORPUS.values())


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_format_comes_out_clean(name):
    clean = clean_file(name, CORPUS[name]())
    assert clean.cleaned
    assert not canary_in(clean.data), name


def test_after_intake_the_canary_is_nowhere_in_the_stored_attachments(entity):
    category, q = questionnaire()
    api = Client()
    challenge = api.get(reverse("api-report-challenge")).json()["challenge"]
    files = [
        {"name": name, "content_base64": base64.b64encode(make()).decode()}
        for name, make in sorted(CORPUS.items())[:5]
    ]
    body = {
        "challenge": challenge,
        "entity": entity.pk,
        "category": category.code,
        "answers": {str(q["choice"].pk): "Oficina", str(q["yes_no"].pk): "no"},
        "description": "Documentos del trámite.",
        "files": files,
    }
    created = api.post(reverse("api-report-submit"), body, content_type="application/json")
    assert created.status_code == 201, created.content
    report, data_key = access.report_for_receipt(created.json()["receipt"])
    stored = Attachment.objects.filter(case=report.case)
    assert stored.count() == 5
    for attachment in stored:
        data = crypto.open_(data_key, bytes(attachment.content), aad(report.case, "attachment"))
        assert not canary_in(data)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(settings):
    settings.WB_ZIP_MEMBER_MAX_BYTES = 1024 * 1024
    bomb = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(FileRejected):
        clean_file("bomba.docx", bomb)


def test_a_document_with_embedded_objects_is_refused_with_advice():
    data = _zip({"[Content_Types].xml": "<Types/>", "word/embeddings/oleObject1.bin": b"x"})
    with pytest.raises(FileRejected, match="PDF"):
        clean_file("carta.docx", data)


def test_a_decompression_bomb_image_is_refused(settings):
    settings.WB_IMAGE_MAX_PIXELS = 10_000
    out = io.BytesIO()
    Image.new("L", (200, 200)).save(out, format="PNG")
    with pytest.raises(FileRejected, match="megapíxeles"):
        clean_file("grande.png", out.getvalue())
