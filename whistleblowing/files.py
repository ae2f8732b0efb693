"""Attachments: type checked by content, metadata removed before anything is sealed.

- JPEG and PNG images are decoded and re-encoded with Pillow: EXIF (camera, GPS), XMP and text
  chunks are gone; the picture is turned upright first so nothing is lost by dropping EXIF.
- PDF files are rewritten with pypdf without the document information dictionary and XMP.
- Plain text has no embedded metadata and is kept as it is.
- Office documents (DOCX, XLSX, ODT, ODS) are kept as they are: they may carry an author name,
  and the upload form warns about it before anything is sent.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_BYTES_DEFAULT = 10 * 1024 * 1024
MAX_COUNT_DEFAULT = 5

CLEANED_FORMATS = gettext_lazy("JPEG, PNG (se vuelven a codificar sin EXIF ni GPS) y PDF")
KEPT_FORMATS = gettext_lazy("texto (.txt, .csv) y documentos de oficina (.docx, .xlsx, .odt, .ods)")

OFFICE_TYPES = {
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

    with Image.open(io.BytesIO(data)) as image:
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


def _pdf(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise FileRejected(_("No se aceptan PDF protegidos con contraseña."))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer._root_object.pop(NameObject("/Metadata"), None)
    writer.metadata = None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _office(data: bytes) -> tuple[str, str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype").decode() if "mimetype" in names else ""
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError):
        return None
    for marker, found in OFFICE_TYPES.items():
        if mimetype == marker or any(name.startswith(marker) for name in names):
            return found
    return None


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
        office = _office(data)
        if office is not None:
            return CleanFile(f"{stem}.{office[1]}", office[0], data, False)
    elif _is_text(data):
        suffix = "csv" if name.lower().endswith(".csv") else "txt"
        return CleanFile(f"{stem}.{suffix}", "text/plain; charset=utf-8", data, False)
    raise FileRejected(
        _("«%(name)s» no es de un tipo permitido (imágenes JPEG o PNG, PDF, texto u oficina).")
        % {"name": name}
    )
