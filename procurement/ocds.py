"""Reading, validating and merging OCDS data — pure functions, no database.

Files may hold a release package, a record package, one release, or JSON Lines of releases,
compiled releases or packages. Each problem is reported with the file, the line (or the release's
place in the package) and the reason. Releases are validated against the OCDS 1.1 release schema
kept in ``procurement/schema/`` (no network) and merged by the OCDS merge rules.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "release-schema.json"
_NUL = re.compile(rb"\\u0000")
_NOT_SPACE = re.compile(rb"\S")
_SPACE = frozenset(b" \t\r\n")
# A line read elsewhere: how many releases it held and each as prepared (``read_line``).
Ready = tuple[int, list[Any]]
# A line of a JSON Lines file: its number, its text, about how many lines follow, and what it
# holds when that was read elsewhere (else ``None``).
Line = tuple[int, memoryview, int, Ready | None]


@dataclass
class Problem:
    where: str  # "line 12" or "releases[3]"
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class Parsed:
    """What one file holds: releases to merge, compiled releases to keep as published."""

    releases: list[dict] = field(default_factory=list)
    compiled: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    count: int = 0
    # Lenient: a release that breaks the schema is imported, its violations kept as warnings.
    lenient: bool = False
    warnings: list[Problem] = field(default_factory=list)
    # The OCDS version of the package each release to merge came in, by ``id()`` of the release
    # (which the file keeps alive while it is imported); a release outside a package has none.
    versions: dict[int, str] = field(default_factory=dict)

    def version_of(self, release: dict) -> str:
        """The merge rules' version for one of ``releases`` (see ``OCDS_1_0``)."""
        return self.versions.get(id(release), LATEST)


# --- merge rules from the schema ---------------------------------------------------------------
@cache
def schema() -> dict:
    return orjson.loads(SCHEMA_PATH.read_bytes())


@cache
def validator() -> Any:
    return jsonschema_rs.validator_for(schema())


@cache
def merge_rules() -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]]:
    """Paths (array levels transparent) whose lists merge whole, and paths omitted when merged,
    as ocdsmerge reads them from the schema: ``wholeListMerge``, arrays of anything but objects,
    and arrays of objects without an ``id`` property merge whole; ``omitWhenMerged`` omits."""
    root = schema()
    whole: set[tuple[str, ...]] = set()
    omit: set[tuple[str, ...]] = set()

    def resolve(node: dict) -> dict:
        while "$ref" in node:
            node = root["definitions"][node["$ref"].split("/")[-1]]
        return node

    def types(node: dict) -> list[str]:
        kind = node.get("type", [])
        return [kind] if isinstance(kind, str) else list(kind)

    def walk(node: dict, path: tuple[str, ...], depth: int) -> None:
        if depth > 12:
            return
        for name, prop in resolve(node).get("properties", {}).items():
            sub = (*path, name)
            prop = resolve(prop)
            if prop.get("omitWhenMerged"):
                omit.add(sub)
            elif "array" in types(prop) and prop.get("wholeListMerge"):
                whole.add(sub)
            elif "object" in types(prop) and "properties" in prop:
                walk(prop, sub, depth + 1)
            elif "array" in types(prop) and "items" in prop:
                items = resolve(prop["items"])
                if any(kind != "object" for kind in types(items)):
                    whole.add(sub)
                elif "properties" in items:
                    if "id" in items["properties"]:
                        walk(items, sub, depth + 1)
                    else:
                        whole.add(sub)

    walk(root, (), 0)
    return frozenset(whole), frozenset(omit)


OMIT_NAMES = frozenset({"id", "date", "tag"})  # omitWhenMerged in the 1.1 release schema
# Which merge rules a release's data follows, by the ``version`` of the package it came in (as
# ocdskit picks the schema): OCDS 1.0 replaces a list of objects without ids whole; 1.1 appends
# each object without an id. Releases outside any package follow the latest (1.1).
OCDS_1_0 = "1.0"
LATEST = "1.1"


def package_version(package: dict) -> str:
    """A package's OCDS version: ``version`` if text, else 1.0 (1.0 packages had none)."""
    version = package.get("version")
    return version if isinstance(version, str) and version else OCDS_1_0


def _private(value: Any) -> Any:
    """Lists holding objects are copied, so later merges never write into a release's data."""
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        return orjson.loads(orjson.dumps(value))  # a deep copy, at C speed
    return value


def _id_key(value: Any) -> Any:
    """What ocdsmerge matches objects by: the ``id`` as published (1 and "1" differ)."""
    return value if isinstance(value, str | int | float | bool) or value is None else repr(value)


def _merged_whole(existing: Any, path: tuple[str, ...], whole, v10: bool) -> bool:
    """Whether a list already merged at ``path`` was taken whole (then ``null`` removes it);
    objects merged by identifier or appended stay, as in ocdsmerge."""
    if type(existing) is not list or not existing or path in whole:
        return True
    if any(type(item) is not dict for item in existing):
        return True
    return v10 and any("id" not in item for item in existing)


def _merge_object(
    target: dict, source: dict, path: tuple[str, ...], rules, v10: bool = False
) -> bool:
    """Merge ``source`` into ``target`` (a dict of our own) by the OCDS merge rules, with
    ocdsmerge's results to the letter; ``source`` is never modified. Returns whether ``source``
    set anything (a field, even to ``null``): ocdsmerge creates an object only then."""
    whole, omit = rules
    touched = False
    for key, value in source.items():
        if key in OMIT_NAMES and (*path, key) in omit:
            continue
        kind = type(value)
        if value is None:
            touched = True
            existing = target.get(key)
            # ocdsmerge keeps what was merged inside an object or a list merged by identifier.
            if type(existing) is not dict and _merged_whole(existing, (*path, key), whole, v10):
                target.pop(key, None)
        elif kind is dict:
            existing = target.get(key)
            if type(existing) is dict:
                touched = _merge_object(existing, value, (*path, key), rules, v10) or touched
            else:
                merged: dict = {}
                if _merge_object(merged, value, (*path, key), rules, v10):
                    target[key] = merged
                    touched = True
        elif kind is list:
            sub = (*path, key)
            if sub in whole or any(type(i) is not dict for i in value):
                target[key] = _private(value)  # a whole list, even empty, replaces
                touched = True
            elif not value:
                continue  # an empty list of objects says nothing (ocdsmerge keeps what was there)
            elif v10 and any("id" not in i for i in value):
                target[key] = _private(value)  # OCDS 1.0: objects without ids, the whole list
                touched = True
            else:
                merged_list, grew = _merge_list(target.get(key), value, sub, rules, v10)
                if grew or key in target:
                    target[key] = merged_list
                touched = touched or grew
        else:
            target[key] = value
            touched = True
    return touched


def _merge_list(
    existing: Any, items: list[dict], path: tuple[str, ...], rules, v10: bool
) -> tuple[list[dict], bool]:
    """Identifier merge: objects with the same ``id`` merge, new ids are appended; an object
    without an ``id`` is appended (OCDS 1.1). Returns the list and whether anything was set."""
    merged = list(existing) if isinstance(existing, list) else []
    by_id = {_id_key(o["id"]): o for o in merged if isinstance(o, dict) and "id" in o}
    touched = False
    for item in items:
        if "id" in item:
            key = _id_key(item["id"])
            if key in by_id:
                touched = _merge_object(by_id[key], item, path, rules, v10) or touched
                continue
        fresh: dict = {}
        if _merge_object(fresh, item, path, rules, v10):
            merged.append(fresh)
            touched = True
            if "id" in item:
                by_id[_id_key(item["id"])] = fresh
    return merged, touched


def release_date(release: dict) -> str:
    date = release.get("date")
    return date if isinstance(date, str) else ""


def compile_releases(releases: list[dict], version: str = LATEST) -> dict:
    """The compiled release of one contracting process (releases of one ``ocid``), by the merge
    rules of ``version`` (see ``OCDS_1_0``)."""
    rules = merge_rules()
    ordered = sorted(releases, key=release_date)
    compiled: dict = {}
    v10 = version == OCDS_1_0
    for release in ordered:
        _merge_object(compiled, release, (), rules, v10)
    ocid = ordered[-1]["ocid"]
    date = release_date(ordered[-1])
    return {"tag": ["compiled"], "id": f"{ocid}-{date}", "date": date, **compiled}


def canonical(data: Any) -> bytes:
    """The JSON text the digest is taken of (keys sorted); also what is written to the database."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def digest(data: Any) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off Python's cycle collector while a file's documents are in memory.

    Parsed JSON holds no reference cycles, but every collection walks all of it again: with a
    file of 10,000 compiled releases held, collecting tripled the cost of parsing them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- reading files -----------------------------------------------------------------------------
def _decode(content: bytes, parsed: Parsed) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        parsed.problems.append(
            Problem(
                f"line {line}",
                _(
                    "el archivo no está en UTF-8 (byte 0x%(byte)02x); OCDS exige UTF-8: "
                    "conviértalo (p. ej. desde ISO-8859-1) y vuelva a importarlo"
                )
                % {"byte": content[exc.start]},
            )
        )
        return False
    return True


def _schema_problems(release: dict) -> list[str]:
    if validator().is_valid(release):
        return []
    problems = []
    for error in validator().iter_errors(release):
        where = "/".join(str(p) for p in error.instance_path) or "(release)"
        problems.append(f"{where}: {error.message[:300]}")
        if len(problems) >= 5:
            break
    return problems


def _accept(obj: Any, where: str, parsed: Parsed, package: str | None = None) -> None:
    """Route one release-like object, checking it first. ``package`` is the version of the
    release package it came in: there a release tagged ``compiled`` is merged like any other;
    only one published on its own (a line, a file, a record's ``compiledRelease``) is kept as
    published."""
    parsed.count += 1
    if not isinstance(obj, dict):
        parsed.problems.append(Problem(where, _("no es un objeto JSON")))
        return
    if not isinstance(obj.get("ocid"), str) or not obj.get("ocid"):
        parsed.problems.append(Problem(where, _("falta el «ocid» o no es texto")))
        return
    if len(obj["ocid"]) > 200 or len(str(obj.get("id", ""))) > 200:
        parsed.problems.append(Problem(where, _("el «ocid» o el «id» excede 200 caracteres")))
        return
    if _is_versioned(obj):
        parsed.problems.append(Problem(where, str(VERSIONED_RELEASE)))
        return
    problems = _schema_problems(obj)
    if problems:
        found = [
            Problem(where, _("esquema OCDS 1.1: %(problem)s") % {"problem": p}) for p in problems
        ]
        if not parsed.lenient:
            parsed.problems.extend(found)
            return
        parsed.warnings.append(_release_warning(obj, where, problems))
    tags = obj.get("tag")
    if package is None and isinstance(tags, list) and "compiled" in tags:
        parsed.compiled.append(obj)
        return
    parsed.releases.append(obj)
    if package is not None and package != LATEST:
        parsed.versions[id(obj)] = package


VERSIONED_KEYS = frozenset({"releaseID", "releaseDate", "releaseTag", "value"})
VERSIONED_RELEASE = gettext_lazy(
    "es una entrega versionada (cada campo con su historia: releaseID, releaseDate, value), "
    "que no se puede importar: envíe las entregas de las que se formó, en un paquete de "
    "entregas o una por línea, o su entrega compilada"
)
VERSIONED_ONLY_RECORD = gettext_lazy(
    "el registro solo trae «versionedRelease» (una entrega versionada), que no se puede "
    "importar: envíe el registro con sus entregas («releases») o su «compiledRelease»"
)


def _is_versioned_value(value: Any) -> bool:
    return (
        type(value) is list
        and bool(value)
        and all(type(v) is dict and "value" in v and VERSIONED_KEYS.issuperset(v) for v in value)
    )


def _is_versioned(release: dict) -> bool:
    """A versioned release: its fields (at the top or one object down) hold histories."""
    for key, value in release.items():
        if key == "ocid":
            continue
        if _is_versioned_value(value):
            return True
        if type(value) is dict and any(_is_versioned_value(v) for v in value.values()):
            return True
    return False


def _is_record(doc: Any) -> bool:
    """A record (not a release): an ``ocid`` with releases, a compiled or a versioned release."""
    return (
        isinstance(doc, dict)
        and "ocid" in doc
        and any(key in doc for key in ("releases", "compiledRelease", "versionedRelease"))
    )


def _release_warning(release: dict, where: str, problems: list[str]) -> Problem:
    """One release's schema violations, as one warning naming the release."""
    name = f"{release['ocid']} / {release.get('id', '')}"
    text = "; ".join(problems)
    where = where.removesuffix(": ")
    return Problem(
        f"{where} ({name})" if where else name,
        _("esquema OCDS 1.1: %(problem)s") % {"problem": text},
    )


def _accept_document(doc: Any, where: str, parsed: Parsed) -> None:
    if isinstance(doc, dict) and isinstance(doc.get("releases"), list) and "ocid" not in doc:
        version = package_version(doc)
        for index, release in enumerate(doc["releases"]):
            _accept(release, f"{where}releases[{index}]", parsed, version)
    elif isinstance(doc, list):
        for index, item in enumerate(doc):
            _accept(item, f"{where}[{index}]", parsed, LATEST)
    elif isinstance(doc, dict) and isinstance(doc.get("records"), list):
        version = package_version(doc)
        for index, record in enumerate(doc["records"]):
            _accept_record(record, f"{where}records[{index}]", parsed, version)
    elif _is_record(doc):  # a record on its own (JSON Lines of records): outside any package
        _accept_record(doc, f"{where}registro", parsed, LATEST)
    else:
        _accept(doc, where or "(documento)", parsed)


def _accept_record(record: Any, where: str, parsed: Parsed, version: str) -> None:
    if not isinstance(record, dict):
        parsed.problems.append(Problem(where, _("el registro no es un objeto JSON")))
        return
    releases = record.get("releases")
    listed = releases if isinstance(releases, list) else []
    full = [r for r in listed if isinstance(r, dict) and "ocid" in r]
    for index, release in enumerate(full):
        _accept(release, f"{where}.releases[{index}]", parsed, version)
    if not full and isinstance(record.get("compiledRelease"), dict):
        _accept(record["compiledRelease"], f"{where}.compiledRelease", parsed)
    elif not full and "versionedRelease" in record:
        parsed.problems.append(Problem(where, str(VERSIONED_ONLY_RECORD)))
    elif not full:
        parsed.problems.append(
            Problem(where, _("el registro no trae entregas completas ni «compiledRelease»"))
        )


def parse_file(content: bytes) -> Parsed:
    """Read one file: a JSON document, or JSON Lines (one document per line)."""
    parsed = Parsed()
    compiled = [release for batch in parse_stream(content, parsed) for release in batch]
    parsed.compiled = compiled
    return parsed


def parse_stream(
    content: bytes,
    parsed: Parsed,
    batch: int = 1000,
    prepare: Callable[[dict], Any] | None = None,
    lines: Callable[[bytes], Iterator[Line]] | None = None,
) -> Iterator[list[Any]]:
    """Read one file as ``parse_file`` does, handing over its compiled releases in batches as
    they are read, so that one batch can be written while the next lines are parsed.

    The releases to merge and the problems end up in ``parsed``; once there is a problem no
    further batch is handed over (the caller discards the file). orjson checks UTF-8 as it
    parses, so the file is decoded only to explain a document that fails. With ``prepare``,
    each compiled release is handed over as ``prepare`` makes it, called as soon as the release
    is read, while it is still in the processor's caches; the release itself is then let go.
    With ``lines``, a JSON Lines file's lines come from ``lines(content)``, some of them already
    read (``procurement.readers`` reads them in other processes).
    """
    # JSONB cannot hold the NUL character. A backslash is found at memory speed; the escape
    # itself is looked for only in a file that has one (some publishers escape every "/").
    if b"\\" in content and (nul := _NUL.search(content)):
        if _decode(content, parsed):
            line = content[: nul.start()].count(b"\n") + 1
            parsed.problems.append(
                Problem(f"line {line}", _("el texto contiene el carácter nulo (\\u0000)"))
            )
        return
    if _json_lines(content):
        yield from _stream_lines(content, parsed, batch, prepare, lines or plain_lines)
        return
    try:
        doc = orjson.loads(content)
    except orjson.JSONDecodeError as whole_error:
        if content.lstrip()[:1] == b"{" and b"\n{" not in content:
            if _decode(content, parsed):
                problem = Problem(f"line {_line_of(whole_error)}", _reason(whole_error))
                parsed.problems.append(problem)
            return
        yield from _stream_lines(content, parsed, batch, prepare, lines or plain_lines)
        return
    _accept_document(doc, "", parsed)  # valid JSON to orjson: valid UTF-8 too
    if parsed.compiled and not parsed.problems:
        yield [prepare(c) for c in parsed.compiled] if prepare else parsed.compiled
        parsed.compiled = []


def _json_lines(content: bytes) -> bool:
    """Whether the file is JSON Lines: its first line is a JSON document of its own and more
    follows. Known from that line alone: orjson checks a whole input's UTF-8 before it parses,
    so trying the whole file as one document first cost a third of the time its lines take."""
    end = content.find(b"\n")
    if end < 0 or _NOT_SPACE.search(content, end) is None:
        return False
    try:
        orjson.loads(memoryview(content)[:end])
    except orjson.JSONDecodeError:
        return False
    return True


def _stream_lines(
    content: bytes,
    parsed: Parsed,
    batch: int,
    prepare: Callable[[dict], Any] | None,
    lines: Callable[[bytes], Iterator[Line]],
) -> Iterator[list[Any]]:
    decoded = False
    compiled = parsed.compiled
    for number, line, left, ready in lines(content):
        if ready is not None:  # read elsewhere, and found to be what ``read_line`` takes
            parsed.count += ready[0]
            if not parsed.problems:
                compiled += ready[1]
        else:
            try:
                doc = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                if not decoded:
                    decoded, encoding = True, Parsed()
                    if not _decode(content, encoding):  # the file's encoding is the one problem
                        parsed.problems[:], parsed.releases[:], parsed.compiled = (
                            encoding.problems,
                            [],
                            [],
                        )
                        return
                parsed.problems.append(Problem(f"line {number}", _reason(exc)))
                continue
            read = len(compiled)
            _accept_document(doc, f"line {number}: ", parsed)
            if parsed.problems:
                compiled.clear()
                continue
            if prepare is not None:
                for index in range(read, len(compiled)):
                    compiled[index] = prepare(compiled[index])
        if len(compiled) >= _batch_size(batch, number, left):
            yield compiled
            compiled = parsed.compiled = []
    _strip_prefix(parsed)
    if compiled and not parsed.problems:
        yield compiled
        parsed.compiled = []


def read_line(line: bytes | memoryview, prepare: Callable[[dict], Any]) -> Ready | None:
    """One line read the way ``_stream_lines`` reads it, when it holds nothing but valid
    compiled releases: how many releases it held and each as ``prepare`` makes it. ``None``
    for any other line (invalid JSON, a problem, releases to merge), which is left to
    ``_stream_lines`` itself, so that what it reports stays as it is."""
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    parsed = Parsed()
    _accept_document(doc, "", parsed)
    if parsed.problems or parsed.releases:
        return None  # a schema problem is read again where it is known whether it is fatal
    return parsed.count, [prepare(release) for release in parsed.compiled]


def _batch_size(batch: int, line: int, left: int) -> int:
    """Quarter batches at the start and the end of a file (``left``: about how many lines are
    still to read): nothing is written yet while the first is read, and nothing is left to read
    while the last is written."""
    return batch if batch // 4 < line and left > batch else max(1, batch // 4)


def _strip_prefix(parsed: Parsed) -> None:
    for problem in parsed.problems:
        problem.where = problem.where.removesuffix(": ")


def plain_lines(content: bytes) -> Iterator[Line]:
    """Every line of the file to read here, none read yet."""
    for number, line, left in line_views(content):
        yield number, line, left, None


def line_views(
    content: bytes, start: int = 0, number: int = 0, stop: int | None = None
) -> Iterator[tuple[int, memoryview, int]]:
    """The file's lines that are not blank, numbered from 1, each with about how many lines are
    left after it; views into ``content``, not copies of it. From ``spans``."""
    view, size = memoryview(content), len(content)
    for number_, begin, end in spans(content, start, number, stop):
        yield number_, view[begin:end], lines_left(size, end, number_)


def lines_left(size: int, end: int, number: int) -> int:
    """About how many lines follow line ``number``, which ends at ``end`` of ``size`` bytes (a
    line that is not blank ends past the first byte)."""
    return (size - end) * number // end


def spans(
    content: bytes, start: int = 0, number: int = 0, stop: int | None = None
) -> Iterator[tuple[int, int, int]]:
    """Where the lines that are not blank are, from offset ``start`` (which begins a line, with
    ``number`` lines before it) to ``stop`` (which ends one): each line's number, counted from
    1, its start and its end."""
    size = len(content) if stop is None else stop
    while start < size:
        end = content.find(b"\n", start, size)
        if end < 0:
            end = size
        number += 1
        if end > start and (content[start] not in _SPACE or content[start:end].strip()):
            yield number, start, end
        start = end + 1


def _line_of(error: orjson.JSONDecodeError) -> int:
    return getattr(error, "lineno", 1)


def _reason(error: orjson.JSONDecodeError) -> str:
    return _("JSON no válido: %(reason)s") % {"reason": getattr(error, "msg", str(error))}


# --- the columns queries need ------------------------------------------------------------------
def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def organisation_key(org: Any) -> str:
    """An organisation reference's identity: its id, else its identifier, else its name."""
    org_id = org.get("id") if type(org) is dict else None
    if type(org_id) is str and (key := org_id.strip()):  # the usual case, taken first
        return key[:200]
    org = _dict(org)
    for candidate in (org.get("id"), _dict(org.get("identifier")).get("id"), org.get("name")):
        if isinstance(candidate, str | int) and str(candidate).strip():
            return str(candidate).strip()[:200]
    return ""


def amount_of(value: Any) -> tuple[float | None, str]:
    value = _dict(value)
    amount = value.get("amount")
    currency = value.get("currency") if isinstance(value.get("currency"), str) else ""
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        return None, currency
    return float(amount), currency
