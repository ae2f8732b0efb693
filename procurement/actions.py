"""Actions of the procurement app: one transaction and one audit row each.

Import: ``ocds_batch_create`` stores the uploaded files and queues ``ocds_batch_run`` (a Celery
task) on commit; each file imports in its own transaction through ``ocds_file_import``, so a bad
file leaves nothing behind while the good ones in the same batch still land. Re-importing the same
releases changes nothing: releases are keyed by (ocid, id) and compared by digest, and a compiled
release is rewritten only when one of its releases changed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.actions import case_finding_seal, case_open
from cases.models import CaseSource
from ethics.selectors import declared_supplier_interests
from lacs.audit import audit_record
from lacs.models import Category, Entity
from procurement import ocds, readers
from procurement.bulk import (
    NULL,
    CopyWriter,
    JSONText,
    binary_int8,
    copy_field,
    copy_lines,
    copy_or_upsert,
    quick_handover,
)
from procurement.indicators import Settings, indicators_compute_facts, release_facts
from procurement.models import (
    BidProtest,
    Buyer,
    FlagCase,
    FlagRun,
    ImportBatch,
    ImportFile,
    ImportStatus,
    Process,
    ProtestStatus,
    RedFlag,
    Release,
)
from procurement.rows import (
    PROCESS_COPY_FIELDS,
    ProcessRow,
    as_dict,
    process_row,
    published_row,
)

log = logging.getLogger(__name__)

CHUNK = 2000
STREAM_BATCH = 1000  # compiled releases written together while the next ones are read


class ProcurementError(Exception):
    """An action was refused; the message is for the person who asked."""


@dataclass
class FileResult:
    name: str
    releases_new: int = 0
    releases_unchanged: int = 0
    processes_changed: int = 0
    problems: list[str] = field(default_factory=list)
    # Lenient imports: each release that breaks the schema, imported all the same.
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _name_key(name: str) -> str:
    """Case- and accent-insensitive form of a name, to match buyers with entities."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", name or "")
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).upper().split())


def _entities_by_name() -> dict[str, int]:
    return {_name_key(name): pk for pk, name in Entity.objects.values_list("pk", "name")}


def _buyers_ensure(orgs: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Buyers' ids by key, created when first seen: matched to an entity of the same name if
    there is one (accents and case aside), else left for an admin to match."""
    names = dict(orgs)
    table = Buyer._meta.db_table
    sql = f"SELECT key, id FROM {table} WHERE key = ANY(%s)"  # noqa: S608  # a constant name
    found = dict(_any_rows(sql, names))
    entities = _entities_by_name() if any(k not in found for k in names) else {}
    missing = [
        Buyer(key=k, name=n, entity_id=entities.get(_name_key(n)))
        for k, n in names.items()
        if k not in found
    ]
    if missing:
        Buyer.objects.bulk_create(missing, ignore_conflicts=True)
        found.update(_any_rows(sql, [b.key for b in missing]))
    return found


def _any_rows(sql: str, values: Iterable[str]) -> list[tuple]:
    """Rows of ``sql``, whose one parameter is compared with ``= ANY``: a long list of keys is
    passed as one array (Django's ``__in`` prepares each value on its own, ~10 µs apiece)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(values)])
        return cursor.fetchall()


def _process_writer() -> CopyWriter:
    return CopyWriter(Process._meta.db_table, _columns(Process, PROCESS_COPY_FIELDS), ["ocid"])


def _processes_write(rows: list[ProcessRow], writer: CopyWriter) -> set[str]:
    """Queue the changed compiled releases for writing; returns their ocids. Waits for the
    batch before, so that the digests compared are the ones written."""
    writer.wait()
    by_ocid = {row.ocid: row for row in rows}
    sql = f"SELECT ocid, digest FROM {Process._meta.db_table} WHERE ocid = ANY(%s)"  # noqa: S608
    current = dict(_any_rows(sql, by_ocid))
    changed = [row for ocid, row in by_ocid.items() if current.get(ocid) != row.digest]
    if not changed:
        return set()
    orgs = {org[0]: org[1] for row in changed for org in (row.buyer, row.procuring) if org[0]}
    buyers = {key: binary_int8(pk) for key, pk in _buyers_ensure(orgs.items()).items()}
    for upsert in (False, True):
        parts: list[bytes] = []  # joined once, with COPY's header, by the writer
        for row in changed:
            if (row.ocid in current) is upsert:
                parts += (
                    row.head,
                    buyers.get(row.buyer[0], NULL),
                    buyers.get(row.procuring[0], NULL),
                )
        writer.write(parts, upsert=upsert)
    return {row.ocid for row in changed}


def _processes_upsert(compiled: list[tuple[dict, bool]], writer: CopyWriter) -> int:
    """Write changed compiled releases (with their columns); returns how many changed."""
    rows = [process_row(data, published) for data, published in compiled]
    return len(_processes_write(rows, writer))


def _columns(model, names: list[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in names]


def _column_value(obj, name: str) -> Any:
    field = obj._meta.get_field(name)
    return getattr(obj, field.attname)


def _upsert(model, objects: list, unique: list[str], fields: list[str]) -> None:
    if objects:
        model.objects.bulk_create(
            objects, update_conflicts=True, unique_fields=unique, update_fields=fields
        )


def _releases_store(
    releases: list[dict], batch: ImportBatch | None, result: FileResult, version_of
) -> tuple[set[str], set[tuple[str, str]]]:
    """Insert new releases, replace changed ones.

    Returns the ocids whose releases changed and the (ocid, id) keys stored before this file.
    """
    texts = {(r["ocid"], str(r.get("id", ""))): (r, ocds.canonical(r)) for r in releases}
    digests = {key: (r, hashlib.sha256(text).hexdigest()) for key, (r, text) in texts.items()}
    ocids = {ocid for ocid, _ in digests}
    table = Release._meta.db_table
    sql = f"SELECT ocid, release_id, digest FROM {table} WHERE ocid = ANY(%s)"  # noqa: S608
    existing = {(ocid, rid): digest for ocid, rid, digest in _any_rows(sql, ocids)}
    fresh, changed_ocids = [], set()
    for (ocid, rid), (release, digest) in digests.items():
        if existing.get((ocid, rid)) == digest:
            result.releases_unchanged += 1
            continue
        changed_ocids.add(ocid)
        result.releases_new += 1
        fresh.append(
            Release(
                ocid=ocid,
                release_id=rid,
                date=ocds.release_date(release)[:40],
                digest=digest,
                data=release,
                batch=batch,
                ocds_version=version_of(release)[:10],
            )
        )
    release_fields = ["date", "digest", "data", "batch", "ocds_version"]
    new_rows = [r for r in fresh if (r.ocid, r.release_id) not in existing]
    _upsert(
        Release,
        [r for r in fresh if (r.ocid, r.release_id) in existing],
        ["ocid", "release_id"],
        release_fields,
    )
    columns = ["ocid", "release_id", *release_fields]
    copy_or_upsert(
        Release._meta.db_table,
        _columns(Release, columns),
        [
            [
                JSONText(texts[r.ocid, r.release_id][1]) if f == "data" else _column_value(r, f)
                for f in columns
            ]
            for r in new_rows
        ],
        lambda: _upsert(Release, new_rows, ["ocid", "release_id"], release_fields),
    )
    return changed_ocids, set(existing)


def _compile(
    ocids: set[str], file_releases: list[dict], stored_before: set[tuple[str, str]], version_of
) -> list[tuple[dict, bool]]:
    grouped: dict[str, dict[str, dict]] = defaultdict(dict)
    versions: dict[str, set[str]] = defaultdict(set)
    for release in file_releases:
        if release["ocid"] in ocids:
            grouped[release["ocid"]][str(release.get("id", ""))] = release
            versions[release["ocid"]].add(version_of(release))
    # Only releases stored by earlier imports and absent from this file are read back.
    missing = {(o, r) for o, r in stored_before if o in ocids and r not in grouped[o]}
    if missing:
        stored = Release.objects.filter(ocid__in={o for o, _ in missing}).values_list(
            "ocid", "release_id", "data", "ocds_version"
        )
        for ocid, rid, data, version in stored:
            if rid not in grouped[ocid]:
                grouped[ocid][rid] = data
                versions[ocid].add(version)
    return [
        (ocds.compile_releases(list(rs.values()), _merge_version(versions[ocid])), False)
        for ocid, rs in grouped.items()
    ]


def _merge_version(versions: set[str]) -> str:
    """A process is merged by the 1.0 rules only if all its releases came in 1.0 packages."""
    return ocds.OCDS_1_0 if versions == {ocds.OCDS_1_0} else ocds.LATEST


def _published_store(
    rows: list[ProcessRow], result: FileResult, writer: CopyWriter, kept: dict[str, bool]
) -> None:
    """Compiled releases as published (prepared as they were read, which is the work that
    overlaps the batch in flight), kept unless the process's own releases were imported."""
    writer.wait()
    sql = f"SELECT DISTINCT ocid FROM {Release._meta.db_table} WHERE ocid = ANY(%s)"  # noqa: S608
    merged = {ocid for (ocid,) in _any_rows(sql, (row.ocid for row in rows))}
    published = [row for row in rows if row.ocid not in merged]
    changed = _processes_write(published, writer)
    kept.update((row.ocid, row.ocid in changed) for row in published)
    result.releases_new += len(changed)
    result.releases_unchanged += len(published) - len(changed)
    result.processes_changed += len(changed)


def _releases_import(
    parsed: ocds.Parsed, batch: ImportBatch | None, result: FileResult, writer: CopyWriter
) -> set[str]:
    """Store releases, merge the changed processes; returns the ocids merged."""
    merged: set[str] = set()
    releases = parsed.releases
    for start in range(0, len(releases), CHUNK):
        chunk = releases[start : start + CHUNK]
        writer.wait()
        changed, stored_before = _releases_store(chunk, batch, result, parsed.version_of)
        if changed:
            compiled = _compile(changed, chunk, stored_before, parsed.version_of)
            result.processes_changed += _processes_upsert(compiled, writer)
            merged |= changed
    return merged


@transaction.atomic
def ocds_file_import(
    *,
    name: str,
    content: bytes,
    batch: ImportBatch | None = None,
    actor=None,
    lenient: bool = False,
) -> FileResult:
    """Import one file whole or not at all; problems are reported by line and reason.

    Compiled releases of JSON Lines are written in batches while the next lines are read and
    validated; a problem further on rolls the file back. ``lenient``: a release that breaks
    the schema is imported all the same and its violations are returned as warnings.
    """
    result = FileResult(name=name)
    parsed = ocds.Parsed(lenient=lenient)
    writer = _process_writer()
    kept: dict[str, bool] = {}  # published compiled releases of this file: ocid → written
    try:
        with ocds.gc_paused(), quick_handover():  # parsed documents hold no cycles
            lines = readers.file_lines  # large files: lines read side by side in other processes
            for rows in ocds.parse_stream(content, parsed, STREAM_BATCH, published_row, lines):
                _published_store(rows, result, writer, kept)
            if not parsed.problems:
                merged = _releases_import(parsed, batch, result, writer)
                _published_overlap({o: kept[o] for o in merged if o in kept}, result, writer)
            writer.wait()
    finally:
        writer.close()
    if parsed.problems:
        transaction.set_rollback(True)  # batches written before the problem was found
        return FileResult(name=name, problems=[str(p) for p in parsed.problems[:200]])
    result.warnings = [str(w) for w in parsed.warnings[:WARNINGS_KEPT]]
    audit_record(
        action="procurement.import_file",
        actor=actor,
        obj=batch,
        data={
            "file": name,
            "releases_new": result.releases_new,
            "releases_unchanged": result.releases_unchanged,
            "processes_changed": result.processes_changed,
            "lenient": lenient,
            "warnings": len(parsed.warnings),
        },
    )
    return result


WARNINGS_KEPT = 1000  # per file: enough to see what a publisher gets wrong


def _published_overlap(ocids: dict[str, bool], result: FileResult, writer: CopyWriter) -> None:
    """Compiled releases taken as published before the same file's releases of their process
    were read (ocid → whether it was written): the merge replaced them, so they are counted,
    and flagged, as if never read."""
    if not ocids:
        return
    writer.wait()
    Process.objects.filter(ocid__in=list(ocids), published_compiled=True).update(
        published_compiled=False
    )
    written = sum(ocids.values())
    result.releases_new -= written
    result.processes_changed -= written
    result.releases_unchanged -= len(ocids) - written


@transaction.atomic
def ocds_batch_create(
    *, actor, files: list[tuple[str, bytes]], lenient: bool = False
) -> ImportBatch:
    """Store uploaded files as one batch and queue its import after commit. ``lenient``:
    schema violations become warnings per release instead of refusing the file."""
    if not files:
        raise ProcurementError(_("No se recibió ningún archivo."))
    batch = ImportBatch.objects.create(
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        files_total=len(files),
        total_bytes=sum(len(content) for _, content in files),
        lenient=lenient,
    )
    ImportFile.objects.bulk_create(
        ImportFile(batch=batch, name=name[:255], content=content, size=len(content))
        for name, content in files
    )
    audit_record(
        action="procurement.import_queue",
        actor=actor,
        obj=batch,
        data={
            "files": [name for name, _ in files],
            "bytes": batch.total_bytes,
            "lenient": lenient,
        },
    )
    transaction.on_commit(lambda: _batch_schedule(batch.pk))
    return batch


def _batch_schedule(batch_id: int) -> None:
    from procurement.tasks import ocds_batch_run_task

    try:
        ocds_batch_run_task.delay(batch_id)
    except Exception:
        return


BATCH_STALE = dt.timedelta(seconds=3700)  # past the task's time limit: its worker is gone


def batch_claimable() -> Q:
    """Pending batches, and running ones whose worker died (files already done are skipped)."""
    stale = timezone.now() - BATCH_STALE
    return Q(status=ImportStatus.PENDING) | Q(status=ImportStatus.RUNNING, claimed_at__lt=stale)


def ocds_batch_run(*, batch_id: int) -> bool:
    """Import a batch file by file; returns False if another worker has it or it's done."""
    claimed = ImportBatch.objects.filter(batch_claimable(), pk=batch_id).update(
        status=ImportStatus.RUNNING, claimed_at=timezone.now()
    )
    if not claimed:
        return False
    batch = ImportBatch.objects.get(pk=batch_id)
    failed = False
    for import_file in batch.files.filter(imported=False).order_by("pk"):
        result = _file_import_guarded(import_file, batch)
        failed = failed or not result.ok
        _batch_progress(batch, import_file, result)
    ImportBatch.objects.filter(pk=batch_id).update(
        status=ImportStatus.FAILED if failed else ImportStatus.DONE, finished_at=timezone.now()
    )
    return True


def _file_import_guarded(import_file: ImportFile, batch: ImportBatch) -> FileResult:
    """A file that breaks the importer is reported, not retried forever; a lost database
    connection propagates so that the batch is resumed later."""
    try:
        return ocds_file_import(
            name=import_file.name,
            content=bytes(import_file.content),
            batch=batch,
            actor=batch.created_by,
            lenient=batch.lenient,
        )
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        log.exception("OCDS import of %s failed", import_file.name)
        problem = _("error interno al importar este archivo (%(kind)s)") % {
            "kind": type(exc).__name__
        }
        return FileResult(name=import_file.name, problems=[problem])


def _batch_progress(batch: ImportBatch, import_file: ImportFile, result: FileResult) -> None:
    with transaction.atomic():
        ImportFile.objects.filter(pk=import_file.pk).update(
            imported=True,
            content=b"",
            problem_count=len(result.problems),
            warning_count=len(result.warnings),
        )
        problems = [{"file": result.name, "problem": p} for p in result.problems]
        warnings = [{"file": result.name, "problem": w} for w in result.warnings]
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(
            files_done=F("files_done") + 1,
            done_bytes=F("done_bytes") + import_file.size,
            releases_new=F("releases_new") + result.releases_new,
            releases_unchanged=F("releases_unchanged") + result.releases_unchanged,
            processes_changed=F("processes_changed") + result.processes_changed,
            problems=locked.problems + problems,
            warnings=locked.warnings + warnings,
        )


# --- red flags ---------------------------------------------------------------------------------
DEFAULT_SETTINGS = """\
currency = MXN

; Submission periods only mean something in tenders (not in direct awards).
[R003]
procurement_methods = open|selective
[R018]
[R024]
[R025]
[R028]
[R030]
[R035]
[R036]
[R038]
[R048]
[R058]

; Mexico City's own flags. Smallest open-tender value and the legal thresholds (pesos) are
; examples: set them from the year's Presupuesto de Egresos.
[R055]
threshold = 1000000
days = 365

[MX01]
thresholds = 400000|1000000
margin = 0.1

[MX02]
[MX03]
"""


def _declared_interests() -> dict[str, set[str]]:
    """Buyer key → supplier keys (RFCs) that a servant of the buyer's entity declared."""
    by_entity: dict[int, set[str]] = defaultdict(set)
    for interest in declared_supplier_interests():
        if interest.counterpart_rfc:
            by_entity[interest.entity_id].add(interest.counterpart_rfc.upper())
    result: dict[str, set[str]] = {}
    for key, entity_id in Buyer.objects.filter(entity__isnull=False).values_list(
        "key", "entity_id"
    ):
        if by_entity.get(entity_id):
            result[key] = by_entity[entity_id]
    return result


def _sanctioned() -> set[str]:
    from procurement.models import SanctionedSupplier

    today = timezone.localdate()
    rows = SanctionedSupplier.objects.exclude(end__lt=today).values_list("rfc", flat=True)
    return {rfc.upper() for rfc in rows if rfc}


def _stored_facts(process_ids: dict[str, int]) -> Iterator[dict]:
    """What the indicators read of each imported compiled release, in import order (noting each
    process's id by ocid on the way); a row imported before the facts were kept, or written by
    other means, gets them from its release."""
    loads = orjson.loads
    for rows in _fetched_ahead(
        f"SELECT id, ocid, indicator_facts, {_FACTS_FALLBACK} FROM {Process._meta.db_table} "  # noqa: S608
        "ORDER BY id"
    ):
        for pk, ocid, facts, data in rows:
            process_ids[ocid] = pk
            yield loads(facts) if facts is not None else release_facts(loads(data))


_FACTS_FALLBACK = "CASE WHEN indicator_facts IS NULL THEN data::text END"
_FETCH = 5000


def _fetched_ahead(sql: str) -> Iterator[list[tuple]]:
    """The rows of a query in batches, the next batch fetched by a second thread while the
    caller works on this one (psycopg2 lets go of the GIL while the server reads)."""
    connection.ensure_connection()
    cursor = connection.connection.cursor(name=f"lacs_{threading.get_ident()}")
    batches: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        try:
            while not stop.is_set() and (rows := cursor.fetchmany(_FETCH)):
                batches.put(rows)
            batches.put(None)
        except BaseException as exc:  # handed to the caller's thread
            batches.put(exc)

    with connection.wrap_database_errors:
        cursor.execute(sql)
    thread = threading.Thread(target=fetch, daemon=True)
    thread.start()
    try:
        while (rows := batches.get()) is not None:
            if isinstance(rows, BaseException):
                with connection.wrap_database_errors:
                    raise rows
            yield rows
    finally:
        stop.set()
        while thread.is_alive():  # let a fetch waiting on a full queue finish
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.05)
        thread.join()
        cursor.close()


@transaction.atomic
def red_flags_compute(*, actor, settings_text: str | None = None) -> FlagRun:
    """Compute every flag over the imported processes and keep them as one run."""
    # The results and the ids of every process are held to the end: the cycle collector would
    # walk them again with every few thousand flags written (they hold no cycles).
    with ocds.gc_paused():
        return _red_flags_compute(actor, settings_text)


def _red_flags_compute(actor, settings_text: str | None) -> FlagRun:
    text = settings_text if settings_text is not None else DEFAULT_SETTINGS
    settings = Settings.from_ini(text)
    context: dict[str, Any] = {}
    if settings.enabled("MX02"):
        context["declared_interests"] = _declared_interests()
    if settings.enabled("MX03"):
        context["sanctioned"] = _sanctioned()
    process_ids: dict[str, int] = {}
    result = indicators_compute_facts(_stored_facts(process_ids), settings, **context)
    run = FlagRun.objects.create(
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        settings_text=text,
        result=result,
    )
    # The run is new, so are its flags: COPY them (tens of thousands for a large data set).
    flags = _flag_lines(run.pk, result, process_ids)
    copy_lines(
        RedFlag._meta.db_table,
        _columns(RedFlag, ["run", "group", "key", "code", "value", "process"]),
        b"".join(flags),
    )
    FlagRun.objects.filter(pk=run.pk).update(flag_count=len(flags))
    run.flag_count = len(flags)
    audit_record(
        action="procurement.red_flags_compute",
        actor=actor,
        obj=run,
        data={"flags": len(flags), "codes": sorted(settings.sections)},
    )
    return run


def _flag_lines(run_id: int, result: dict, process_ids: dict[str, int]) -> list[bytes]:
    """One COPY line per flag: run, group, key, code, value and, for a process, its id."""
    run = copy_field(run_id)
    lines: list[bytes] = []
    for group, entries in result.items():
        prefix = b"%s\t%s\t" % (run, copy_field(group))
        for key, codes in entries.items():
            process = process_ids.get(key) if group == "OCID" else None
            head = prefix + copy_field(key[:200])
            tail = b"\t%s\n" % copy_field(process)
            lines.extend(
                b"%s\t%s\t%s%s" % (head, copy_field(code), copy_field(value), tail)
                for code, value in codes.items()
            )
    return lines


def red_flags_schedule(*, actor, settings_text: str) -> None:
    """Check the settings now, compute in a worker after commit (large data sets take minutes)."""
    Settings.from_ini(settings_text)  # raises ValueError for a malformed file, before queueing
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None

    def queue() -> None:
        from procurement.tasks import red_flags_compute_task

        red_flags_compute_task.delay(settings_text, actor_id)

    transaction.on_commit(queue)


@transaction.atomic
def buyer_map(*, actor, buyer: Buyer, entity) -> Buyer:
    """Match a published buyer to one of the platform's entities (or undo the match)."""
    Buyer.objects.filter(pk=buyer.pk).update(entity=entity)
    buyer.entity = entity
    audit_record(
        action="procurement.buyer_map",
        actor=actor,
        obj=buyer,
        entity=entity,
        data={"buyer": buyer.key, "entity": entity.pk if entity else None},
    )
    return buyer


def _flag_summary(process: Process, codes: list[str]) -> str:
    suppliers = ", ".join(
        f"{name} ({key})" if name else key
        for key, name in zip(process.supplier_keys, process.supplier_names, strict=False)
    )
    return "\n".join(
        [
            f"OCID: {process.ocid}",
            f"{_('Procedimiento')}: {process.title}",
            f"{_('Alertas')}: {', '.join(sorted(set(codes))) or '—'}",
            f"{_('Comprador')}: {process.buyer}",
            f"{_('Proveedores')}: {suppliers or '—'}",
            f"{_('Monto adjudicado')}: {process.awarded_amount or '—'} {process.currency}",
        ]
    )


# --- cases from flags --------------------------------------------------------------------------
@transaction.atomic
def flag_case_open(*, actor, process: Process, codes: list[str]) -> FlagCase:
    """Open a case (source: red flag) against the buyer's entity for a flagged process."""
    entity = process.buyer.entity if process.buyer else None
    if entity is None:
        raise ProcurementError(
            _(
                "El comprador de este procedimiento no está asociado a un ente público; "
                "pida a la administración que lo asocie."
            )
        )
    if FlagCase.objects.filter(process=process).exists():
        raise ProcurementError(_("Ya se abrió un caso para este procedimiento."))
    category = Category.objects.filter(code="contrataciones").first()
    if category is None:
        raise ProcurementError(_("Falta la categoría «contrataciones» en el catálogo."))
    case, data_key = case_open(
        entity=entity, category=category, source=CaseSource.RED_FLAG, actor=actor
    )
    case_finding_seal(
        actor=actor, case=case, data_key=data_key, summary=_flag_summary(process, codes)
    )
    link = FlagCase.objects.create(
        process=process,
        case_id=case.pk,
        case_number=case.number,
        codes=sorted(set(codes)),
        opened_by=actor,
    )
    audit_record(
        action="procurement.flag_case_open",
        actor=actor,
        obj=process,
        entity=entity,
        data={"ocid": process.ocid, "case": case.number, "codes": link.codes},
    )
    return link


# --- bid protests ------------------------------------------------------------------------------
PROTEST_DAYS = 45  # business practice: resolve within 45 working days; kept calendar-simple


@transaction.atomic
def protest_register(
    *, actor, process: Process, protester: str, grounds: str, filed_on: dt.date
) -> BidProtest:
    """Register an inconformidad against a procurement procedure."""
    protest = BidProtest.objects.create(
        process=process,
        protester=protester,
        grounds=grounds,
        filed_on=filed_on,
        respond_by=filed_on + dt.timedelta(days=PROTEST_DAYS),
        registered_by=actor,
    )
    audit_record(
        action="procurement.protest_register",
        actor=actor,
        obj=protest,
        entity=process.buyer.entity if process.buyer else None,
        data={"ocid": process.ocid},
    )
    return protest


@transaction.atomic
def protest_resolve(
    *, actor, protest: BidProtest, status: str, resolution: str, resolved_on: dt.date
) -> BidProtest:
    """Record the outcome of an inconformidad (resolved or dismissed), once."""
    if status not in (ProtestStatus.RESOLVED, ProtestStatus.DISMISSED, ProtestStatus.ADMITTED):
        raise ProcurementError(_("Estado no válido."))
    updated = BidProtest.objects.filter(
        pk=protest.pk, status__in=(ProtestStatus.FILED, ProtestStatus.ADMITTED)
    ).update(
        status=status,
        resolution=resolution,
        resolved_on=resolved_on if status != ProtestStatus.ADMITTED else None,
    )
    if not updated:
        raise ProcurementError(_("Esta inconformidad ya fue resuelta."))
    protest.refresh_from_db()
    audit_record(
        action="procurement.protest_resolve",
        actor=actor,
        obj=protest,
        data={"status": status},
    )
    return protest


# --- sanctioned suppliers (PDN System 3, particulares sancionados) -----------------------------
def _pdn_date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _pdn_row(record: dict) -> dict | None:
    person = as_dict(record.get("particularSancionado"))
    rfc = str(person.get("rfc") or "").strip().upper()
    if not rfc or not record.get("id"):
        return None
    sanctions = record.get("tipoSancion")
    if isinstance(sanctions, dict):
        sanctions = [sanctions]
    sanctions = [x for x in sanctions if isinstance(x, dict)] if isinstance(sanctions, list) else []
    ban = as_dict(record.get("inhabilitacion"))
    return {
        "source_id": str(record["id"])[:100],
        "rfc": rfc[:20],
        "name": str(person.get("nombreRazonSocial") or "")[:300],
        "authority": str(
            record.get("autoridadSancionadora")
            or as_dict(record.get("institucionDependencia")).get("nombre")
            or ""
        )[:300],
        "sanction": ", ".join(str(s.get("valor") or s.get("clave") or "") for s in sanctions)[:300],
        "start": _pdn_date(ban.get("fechaInicial")),
        "end": _pdn_date(ban.get("fechaFinal")),
    }


@transaction.atomic
def sanctioned_suppliers_import(*, actor, document: Any) -> int:
    """Upsert sanctioned companies from a PDN System 3 file (a list, or ``{"results": [...]}``)."""
    from procurement.models import SanctionedSupplier

    records = document.get("results", []) if isinstance(document, dict) else document
    records = records if isinstance(records, list) else []
    by_id = {r["source_id"]: r for r in (_pdn_row(x) for x in records if isinstance(x, dict)) if r}
    rows = list(by_id.values())  # one row per record id: the last one given wins
    SanctionedSupplier.objects.bulk_create(
        [SanctionedSupplier(**row) for row in rows],
        update_conflicts=True,
        unique_fields=["source_id"],
        update_fields=["rfc", "name", "authority", "sanction", "start", "end"],
    )
    audit_record(action="procurement.sanctions_import", actor=actor, data={"records": len(rows)})
    return len(rows)
