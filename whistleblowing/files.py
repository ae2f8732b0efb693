"""Attachments: type checked by content, metadata removed before anything is sealed.

- JPEG and PNG images are decoded and re-encoded with Pillow: EXIF (camera, GPS), XMP and text
  chunks are gone; the picture is turned upright first so nothing is lost by dropping EXIF.
- PDF files are rewritten with pypdf without the document information dictionary and XMP.
- Plain text has no embedded metadata and is kept as it is.
- Office documents (DOCX, XLSX, PPTX, ODT, ODS) are rebuilt without document properties,
  comment and revision authors, rsids, custom XML, thumbnails, macros and external links, their
  images re-encoded (``whistleblowing.office``); those with embedded objects are refused.
- Zip archives are checked against bombs and images against decompression bombs
  (``WB_IMAGE_MAX_PIXELS``) before anything is decoded.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from whistleblowing.office import OfficeRejected

MAX_BYTES_DEFAULT = 10 * 1024 * 1024
MAX_COUNT_DEFAULT = 5

CLEANED_FORMATS = gettext_lazy(
    "JPEG, PNG (se vuelven a codificar sin EXIF ni GPS), PDF y documentos de oficina "
    "(.docx, .xlsx, .pptx, .odt, .ods: sin autor, comentaristas ni propiedades)"
)
KEPT_FORMATS = gettext_lazy("texto (.txt, .csv)")
IMAGE_MAX_PIXELS_DEFAULT = 40_000_000  # a 40-megapixel photo; Pillow's own default is ~179

OFFICE_TYPES = {
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "application/vnd.oasis.opendocument.text": ("application/vnd.oasis.opendocument.text", "odt"),
    "application/vnd.oasis.opendocument.spreadsheet": (
        "application/vnd.oasis.opendocument.spreadsheet",
        "ods",
    ),
}


def max_bytes() -> int:
    return int(getattr(settings, "WB_ATTACHMENT_MAX_BYTES", MAX_BYTES_DEFAULT))


def max_count() -> int:
    return int(getattr(settings, "WB_ATTACHMENT_MAX_COUNT", MAX_COUNT_DEFAULT))


class FileRejected(ValueError):
    """The file cannot be accepted; the message says why, in the user's language."""


@dataclass(frozen=True)
class CleanFile:
    name: str
    content_type: str
    data: bytes
    cleaned: bool  # False: kept as it was (the form warned about it)

    def as_meta(self) -> dict:
        return {"name": self.name, "type": self.content_type, "cleaned": self.cleaned}


def _stem(name: str) -> str:
    stem = PurePath(name.replace("\\", "/")).stem.strip()[:80]
    return stem or "archivo"


def _image(data: bytes, fmt: str) -> bytes:
    from PIL import Image, ImageOps

    limit = int(getattr(settings, "WB_IMAGE_MAX_PIXELS", IMAGE_MAX_PIXELS_DEFAULT))
    Image.MAX_IMAGE_PIXELS = limit  # Pillow refuses past twice this even before our check
    try:
        opened = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        opened = None
    if opened is None or opened.size[0] * opened.size[1] > limit:  # checked before decoding
        raise FileRejected(
            _("La imagen es demasiado grande (más de %(n)s megapíxeles).")
            % {"n": max(1, limit // 1_000_000)}
        )
    with opened as image:
        image.load()
        upright = ImageOps.exif_transpose(image)
        if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        # A new image from the pixels alone: no info dict, EXIF, ICC text or XMP travels along.
        if upright.mode not in ("1", "L", "LA", "RGB", "RGBA"):
            upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
        bare = Image.frombytes(upright.mode, upright.size, upright.tobytes())
        out = io.BytesIO()
        bare.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def _jpeg_bare(data: bytes) -> bytes:
    """A JPEG stream without its APP1–APP13, APP15 and comment segments (EXIF, XMP, GPS…).

    Lossless: the scan data is untouched; APP0 (JFIF) and APP14 (Adobe colour) stay.
    """
    if not data.startswith(b"\xff\xd8"):
        return data
    out, i = bytearray(b"\xff\xd8"), 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        segment = data[i : i + 2 + length]
        if not (0xE1 <= marker <= 0xED or marker in (0xEF, 0xFE)):
            out += segment
        i += 2 + length
    return bytes(out + data[i:])


PDF_ROOT_DROPPED = ("/Metadata", "/OpenAction", "/AA", "/Names", "/Outlines", "/PieceInfo")
PDF_ANNOT_DROPPED = ("/T", "/M", "/CreationDate", "/A", "/AA", "/RC", "/Popup", "/NM")


def _pdf_page(page) -> None:
    from pypdf.generic import ArrayObject, NameObject

    for key in ("/Metadata", "/AA", "/PieceInfo"):
        page.pop(NameObject(key), None)
    annots = page.get("/Annots")
    if annots is not None:
        kept = ArrayObject()
        for ref in annots.get_object():
            annot = ref.get_object()
            if annot.get("/Subtype") in ("/FileAttachment", "/Popup", "/Sound", "/Movie"):
                continue
            for key in PDF_ANNOT_DROPPED:
                annot.pop(NameObject(key), None)
            kept.append(ref)
        page[NameObject("/Annots")] = kept
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    for ref in xobjects.get_object().values() if xobjects is not None else []:
        image = ref.get_object()
        image.pop(NameObject("/Metadata"), None)
        if image.get("/Filter") == "/DCTDecode":
            image._data = _jpeg_bare(image._data)


def _pdf(data: bytes) -> bytes:
    """Rewritten without the information dictionary, XMP (document, page, image), annotation
    authors, embedded files, JavaScript and actions, outlines, EXIF of embedded JPEGs, and
    with a fresh trailer ``/ID``."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise FileRejected(_("No se aceptan PDF protegidos con contraseña."))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    for page in writer.pages:
        _pdf_page(page)
    for key in PDF_ROOT_DROPPED:
        writer._root_object.pop(NameObject(key), None)
    form = writer._root_object.get("/AcroForm")
    if form is not None:
        form.get_object().pop(NameObject("/XFA"), None)  # XFA may carry scripts
    writer.metadata = None
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _office(data: bytes) -> tuple[str, str] | None:
    from whistleblowing.office import check_bomb, read_bounded

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_bomb(archive)  # before reading any member
            names = archive.namelist()
            mimetype = ""
            if "mimetype" in names:
                mimetype = read_bounded(archive, archive.getinfo("mimetype"), [256]).decode()
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError):
        return None
    for marker, found in OFFICE_TYPES.items():
        if mimetype == marker or any(name.startswith(marker) for name in names):
            return found
    return None


def _office_file(name: str, data: bytes) -> CleanFile | None:
    """The document cleaned; None if it is no office document; FileRejected if unsafe."""
    from whistleblowing.office import clean_office

    try:
        office = _office(data)
        if office is None:
            return None
        cleaned = clean_office(data, _image)
    except OfficeRejected as exc:
        raise FileRejected(f"«{name}»: {exc}") from None
    except FileRejected:
        raise
    except Exception:  # a damaged part: zipfile, codecs and Pillow raise many kinds
        raise FileRejected(
            _("«%(name)s» está dañado o no se pudo leer.") % {"name": name}
        ) from None
    return CleanFile(f"{_stem(name)}.{office[1]}", office[0], cleaned, True)


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def clean_file(name: str, data: bytes) -> CleanFile:
    """Check ``data`` by its content and return it without metadata, or raise FileRejected."""
    if len(data) > max_bytes():
        raise FileRejected(
            _("«%(name)s» pesa más de %(mb)s MB.") % {"name": name, "mb": max_bytes() // 2**20}
        )
    if not data:
        raise FileRejected(_("«%(name)s» está vacío.") % {"name": name})
    stem = _stem(name)
    try:
        if data.startswith(b"\xff\xd8\xff"):
            return CleanFile(f"{stem}.jpg", "image/jpeg", _image(data, "JPEG"), True)
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return CleanFile(f"{stem}.png", "image/png", _image(data, "PNG"), True)
        if data.startswith(b"%PDF-"):
            return CleanFile(f"{stem}.pdf", "application/pdf", _pdf(data), True)
    except FileRejected:
        raise
    except Exception:  # a damaged file: Pillow and pypdf raise many kinds
        raise FileRejected(
            _("«%(name)s» está dañado o no se pudo leer.") % {"name": name}
        ) from None
    if data.startswith(b"PK\x03\x04"):
        office = _office_file(name, data)
        if office is not None:
            return office
    elif _is_text(data):
        suffix = "csv" if name.lower().endswith(".csv") else "txt"
        return CleanFile(f"{stem}.{suffix}", "text/plain; charset=utf-8", data, False)
    raise FileRejected(
        _("«%(name)s» no es de un tipo permitido (imágenes JPEG o PNG, PDF, texto u oficina).")
        % {"name": name}
    )
