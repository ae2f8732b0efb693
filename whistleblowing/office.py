"""Office documents (DOCX, XLSX, PPTX, ODT, ODS) rebuilt without what names their author.

Both formats are zip archives of XML parts. The archive is first checked against a zip bomb
(member count, each member's size, total size and compression ratio, all read with a bounded
read, never trusting the headers alone). Then every part is copied through a filter, following
mat2's approach of rebuilding rather than editing in place:

- dropped: document properties beyond an empty shell (core, app, custom / ``meta.xml``),
  thumbnails, custom XML, people and persons lists, macros (VBA, Basic, scripts), external link
  parts, printer settings;
- rewritten: author, initials, dates and ``rsid`` attributes of comments and tracked changes are
  emptied or removed, ``dc:creator``/``dc:date`` of annotations and change records emptied;
  relationships to anything outside the document (remote templates, linked images) point nowhere;
- embedded JPEG and PNG images are re-encoded without EXIF (``files._image``).

Documents with embedded objects (an OLE spreadsheet inside a letter, for instance) carry their
own metadata that this cannot reach: they are refused, with the advice to export to PDF.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _

MAX_MEMBERS = 2000
MEMBER_MAX_BYTES_DEFAULT = 50 * 1024 * 1024
TOTAL_MAX_BYTES_DEFAULT = 200 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed; XML compresses about 10:1, a bomb 1000:1

EMPTY_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"/>'
)
EMPTY_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    'properties"/>'
)
EMPTY_META = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'office:version="1.2"><office:meta/></office:document-meta>'
)
DROPPED = re.compile(
    r"^(docProps/custom\.xml|docProps/thumbnail\.[a-z]+|customXml/.*|.*/people\.xml"
    r"|.*/persons/.*|.*vbaProject\.bin|.*vbaData\.xml|.*/externalLinks/.*|.*/printerSettings/.*"
    r"|Thumbnails/.*|Basic/.*|Scripts/.*|Configurations2/.*|settings\.xml|layout-cache)$",
    re.IGNORECASE,
)
EMBEDDED = re.compile(r"^(word|xl|ppt)/embeddings/|^Object \d+|^ObjectReplacements/", re.I)
IMAGE = re.compile(r"\.(jpe?g|png)$", re.IGNORECASE)
# Attributes that name or date a person, or fingerprint the editing session (rsid).
PERSON_ATTRS = re.compile(
    r'\s(?:w|w15|w16se|x14ac|p|p14|p15):(?:rsid\w*|author|initials|date|userId|providerId)="[^"]*"'
)
EMPTIED_ELEMENTS = re.compile(
    r"<(dc:creator|dc:date|meta:initial-creator|author|cp:lastModifiedBy|p:name)>"
    r"[^<]*</\1>"
)
RSID_LIST = re.compile(r"<w:rsids>.*?</w:rsids>", re.S)
PERSON_ELEMENTS = re.compile(
    r"<(?:w15:person|p:cmAuthor)\b[^>]*?(?:/>|>.*?</(?:w15:person|p:cmAuthor)>)", re.S
)
EXTERNAL_TARGET = re.compile(r'(<Relationship\b[^>]*\bTarget=")[^"]*("[^>]*TargetMode="External")')
EXTERNAL_TARGET_FIRST = re.compile(
    r'(<Relationship\b[^>]*TargetMode="External"[^>]*\bTarget=")[^"]*(")'
)
ODF_LINK = re.compile(r'(xlink:href=")(?:https?|ftp|file|smb)://[^"]*(")', re.IGNORECASE)


class OfficeRejected(ValueError):
    """The archive is a bomb or holds something that cannot be cleaned."""


def _member_max() -> int:
    return int(getattr(settings, "WB_ZIP_MEMBER_MAX_BYTES", MEMBER_MAX_BYTES_DEFAULT))


def _total_max() -> int:
    return int(getattr(settings, "WB_ZIP_TOTAL_MAX_BYTES", TOTAL_MAX_BYTES_DEFAULT))


def check_bomb(archive: zipfile.ZipFile) -> None:
    """Refuse an archive that would unpack to more than the caps (headers are checked first,
    reads are bounded by the caller too)."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise OfficeRejected(_("El archivo comprimido tiene demasiadas partes."))
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _member_max() or total > _total_max():
            raise OfficeRejected(_("El archivo comprimido se expande demasiado."))
        if info.file_size > 1024 * 1024 and ratio > MAX_RATIO:
            raise OfficeRejected(_("El archivo comprimido se expande demasiado."))


def read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    """A member's bytes, never more than its cap nor the archive's remaining budget."""
    limit = min(_member_max(), budget[0])
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OfficeRejected(_("El archivo comprimido se expande demasiado."))
    budget[0] -= len(data)
    return data


def _unlist(text: str, dropped: set[str]) -> str:
    """Remove the references to dropped parts (content types, relationships, ODF manifest)."""
    for gone in dropped:
        path, base = re.escape(gone), re.escape(gone.rsplit("/", 1)[-1])
        text = re.sub(rf'<Override\b[^>]*PartName="/{path}"[^>]*/>', "", text)
        text = re.sub(rf'<Relationship\b[^>]*Target="[^"]*{base}"[^>]*/>', "", text)
        text = re.sub(rf'<manifest:file-entry\b[^>]*full-path="{path}"[^>]*/>', "", text)
    return text


def _xml(text: str, name: str) -> str:
    text = RSID_LIST.sub("", text)
    text = PERSON_ATTRS.sub("", text)
    text = EMPTIED_ELEMENTS.sub(lambda m: f"<{m.group(1)}></{m.group(1)}>", text)
    text = PERSON_ELEMENTS.sub("", text)
    if name.endswith(".rels"):
        text = EXTERNAL_TARGET.sub(r"\1#\2", text)
        text = EXTERNAL_TARGET_FIRST.sub(r"\1#\2", text)
    else:
        text = ODF_LINK.sub(r"\1#\2", text)
    return text


def _replacement(name: str) -> str | None:
    lowered = name.lower()
    if lowered == "docprops/core.xml":
        return EMPTY_CORE
    if lowered == "docprops/app.xml":
        return EMPTY_APP
    if lowered == "meta.xml":
        return EMPTY_META
    return None


def clean_office(data: bytes, image: Callable[[bytes, str], bytes]) -> bytes:
    """The document rebuilt without its author's traces; OfficeRejected if it cannot be."""
    source = zipfile.ZipFile(io.BytesIO(data))
    check_bomb(source)
    budget = [_total_max()]
    dropped = {i.filename for i in source.infolist() if DROPPED.match(i.filename)}
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            name = info.filename
            if EMBEDDED.search(name):
                raise OfficeRejected(
                    _("El documento contiene objetos incrustados; expórtelo a PDF y adjúntelo.")
                )
            if DROPPED.match(name) or info.is_dir():
                continue
            content = read_bounded(source, info, budget)
            replaced = _replacement(name)
            if replaced is not None:
                content = replaced.encode()
            elif IMAGE.search(name):
                fmt = "PNG" if name.lower().endswith(".png") else "JPEG"
                content = image(content, fmt)
            elif name.lower().endswith((".xml", ".rels")):
                content = _xml(_unlist(content.decode("utf-8"), dropped), name).encode()
            stored = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            fresh = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            target.writestr(fresh, content, compress_type=stored)
    return out.getvalue()
