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


# --- merge rules from the schema ---------------------------------------------------------------
@cache
def schema() -> dict:
    return orjson.loads(SCHEMA_PATH.read_bytes())


@cache
def validator() -> Any:
    return jsonschema_rs.validator_for(schema())


@cache
def merge_rules() -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]]:
    """Paths (array levels transparent) whose lists merge whole, and paths omitted when merged."""
    root = schema()
    whole: set[tuple[str, ...]] = set()
    omit: set[tuple[str, ...]] = set()

    def resolve(node: dict) -> dict:
        while "$ref" in node:
            node = root["definitions"][node["$ref"].split("/")[-1]]
        return node

    def walk(node: dict, path: tuple[str, ...], depth: int) -> None:
        if depth > 12:
            return
        for name, prop in resolve(node).get("properties", {}).items():
            sub = (*path, name)
            if prop.get("wholeListMerge"):
                whole.add(sub)
            if prop.get("omitWhenMerged"):
                omit.add(sub)
            target = resolve(prop)
            if "items" in target:
                target = resolve(target["items"])
            if "properties" in target:
                walk(target, sub, depth + 1)

    walk(root, (), 0)
    return frozenset(whole), frozenset(omit)


OMIT_NAMES = frozenset({"id", "date", "tag"})  # omitWhenMerged in the 1.1 release schema


def _private(value: Any) -> Any:
    """Lists holding objects are copied, so later merges never write into a release's data."""
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        return orjson.loads(orjson.dumps(value))  # a deep copy, at C speed
    return value


def _merge_object(target: dict, source: dict, path: tuple[str, ...], rules) -> None:
    """Merge ``source`` into ``target`` (a dict of our own); ``source`` is never modified."""
    whole, omit = rules
    for key, value in source.items():
        if value is None:
            target.pop(key, None)
            continue
        kind = type(value)
        if kind is dict:
            existing = target.get(key)
            merged = existing if type(existing) is dict else {}
            _merge_object(merged, value, (*path, key), rules)
            target[key] = merged
        elif kind is list:
            if not value:
                continue  # an empty list says nothing (ocdsmerge keeps what was there)
            sub = (*path, key)
            if key in OMIT_NAMES and sub in omit:
                continue
            if sub not in whole and all(type(i) is dict and "id" in i for i in value):
                target[key] = _merge_list(target.get(key), value, sub, rules)
            else:
                # Lists of objects without ids are replaced whole, as ocdsmerge does.
                target[key] = _private(value)
        elif not (key in OMIT_NAMES and (*path, key) in omit):
            target[key] = value


def _merge_list(existing: Any, items: list[dict], path: tuple[str, ...], rules) -> list[dict]:
    """Identifier merge: objects with the same ``id`` merge; new ids are appended."""
    merged = list(existing) if isinstance(existing, list) else []
    by_id = {str(o["id"]): o for o in merged if isinstance(o, dict) and "id" in o}
    for item in items:
        key = str(item["id"])
        if key in by_id:
            _merge_object(by_id[key], item, path, rules)
            continue
        fresh: dict = {}
        _merge_object(fresh, item, path, rules)
        merged.append(fresh)
        by_id[key] = fresh
    return merged


def release_date(release: dict) -> str:
    date = release.get("date")
    return date if isinstance(date, str) else ""


def compile_releases(releases: list[dict]) -> dict:
    """The compiled release of one contracting process (releases of one ``ocid``)."""
    rules = merge_rules()
    ordered = sorted(releases, key=release_date)
    compiled: dict = {}
    for release in ordered:
        _merge_object(compiled, release, (), rules)
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


def _accept(obj: Any, where: str, parsed: Parsed) -> None:
    """Route one release-like object, checking it first."""
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
    problems = _schema_problems(obj)
    if problems:
        parsed.problems.extend(
            Problem(where, _("esquema OCDS 1.1: %(problem)s") % {"problem": p}) for p in problems
        )
        return
    tags = obj.get("tag") or []
    (parsed.compiled if "compiled" in tags else parsed.releases).append(obj)


def _accept_document(doc: Any, where: str, parsed: Parsed) -> None:
    if isinstance(doc, dict) and isinstance(doc.get("releases"), list) and "ocid" not in doc:
        for index, release in enumerate(doc["releases"]):
            _accept(release, f"{where}releases[{index}]", parsed)
    elif isinstance(doc, list):
        for index, item in enumerate(doc):
            _accept(item, f"{where}[{index}]", parsed)
    elif isinstance(doc, dict) and isinstance(doc.get("records"), list):
        for index, record in enumerate(doc["records"]):
            _accept_record(record, f"{where}records[{index}]", parsed)
    else:
        _accept(doc, where or "(documento)", parsed)


def _accept_record(record: Any, where: str, parsed: Parsed) -> None:
    if not isinstance(record, dict):
        parsed.problems.append(Problem(where, _("el registro no es un objeto JSON")))
        return
    releases = record.get("releases")
    listed = releases if isinstance(releases, list) else []
    full = [r for r in listed if isinstance(r, dict) and "ocid" in r]
    for index, release in enumerate(full):
        _accept(release, f"{where}.releases[{index}]", parsed)
    if not full and isinstance(record.get("compiledRelease"), dict):
        _accept(record["compiledRelease"], f"{where}.compiledRelease", parsed)
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
        return None
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
