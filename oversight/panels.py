"""The CPC dashboard's panels: each turns pre-aggregated figures into one ``Table``.

Pages, CSV/XLSX exports and the API all render these same tables, and small-cell suppression is
applied here, when a cell is made, so no output path can forget it: a count below
``SMALL_CELL_THRESHOLD`` — and any share, median or amount derived from fewer items — is the
string "<5" from this point on (``lacs.smallcells``, the rule ethics' compliance counts use too).
Secondary suppression (``complement``) is the dashboards' own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases import selectors as cases_selectors
from lacs import selectors as lacs_selectors
from lacs.models import Entity
from lacs.smallcells import count, derived, small, suppressed
from oversight.models import AuditFinding, Figure, FindingStatus, PlanAction
from procurement import selectors as procurement_selectors
from whistleblowing import selectors as whistleblowing_selectors


@dataclass(frozen=True)
class Filters:
    start: dt.date | None = None  # first day of the first month
    end: dt.date | None = None  # first day of the last month
    entity: Entity | None = None
    # Entity names and the (dimension, key) sums, loaded once per request for every panel.
    _names: dict = field(default_factory=dict, compare=False, repr=False)
    _sums: dict = field(default_factory=dict, compare=False, repr=False)

    def by_key(self, dimension: str) -> list[dict]:
        """``[{"key", "total", "value"}]`` of a dimension: one query serves every dimension."""
        if not self._sums:
            self._sums["loaded"] = True
            rows = Figure.objects.filter(dimension__in=KEYED)
            # No ORDER BY: sorting text keys under the database collation costs more than the sum.
            sums = self.scope(rows).values("dimension", "key").order_by()
            for r in sums.annotate(total=Sum("n"), value=Sum("amount")):
                self._sums.setdefault(r.pop("dimension"), []).append(r)
        return self._sums.get(dimension, [])

    def names(self) -> dict[int, str]:
        if not self._names:
            self._names.update(lacs_selectors.entity_names())
        return self._names

    def figures(self, dimension: str, *, per_entity: bool = False, dated: bool = True) -> QuerySet:
        return self.scope(Figure.objects.filter(dimension=dimension), per_entity, dated)

    def scope(self, rows: QuerySet, per_entity: bool = False, dated: bool = True) -> QuerySet:
        if self.entity is not None:
            rows = rows.filter(entity=self.entity)
        else:
            rows = rows.filter(entity__isnull=not per_entity)
        if dated and self.start:
            rows = rows.filter(month__gte=self.start)
        if dated and self.end:
            rows = rows.filter(month__lte=self.end)
        return rows


# Dimensions that panels read summed by key over the period (see ``Filters.by_key``).
KEYED = (
    "category",
    "status",
    "outcome",
    "referred",
    "ack_days",
    "ack_overdue",
    "fb_days",
    "fb_overdue",
    "protection",
)


@dataclass
class Table:
    slug: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str = "bars"  # "bars" (first column labels, second values), "columns" or ""
    note: str = ""
    missing: bool = False
    limit: int = 25  # rows shown on the page; exports and the API carry every row

    @property
    def shown(self) -> list[list]:
        return self.rows[: self.limit]

    @property
    def truncated(self) -> bool:
        return len(self.rows) > self.limit

    def add(self, label, *cells) -> None:
        self.rows.append([label, *cells])

    def chart_points(self) -> list[tuple[str, float | None]]:
        """(label, value) from the first two columns; suppressed values are None."""
        return [(str(row[0]), row[1] if not isinstance(row[1], str) else None) for row in self.rows]


def _share(part: int, whole: int, value: float | None = None) -> float | str:
    """A percentage, hidden when the part, the rest or the whole is small: 2 % of 100 would
    give away a count of 2 as surely as the count itself."""
    if any(suppressed(n) for n in (part, whole, whole - part)):
        return small()
    if value is None:
        value = 100 * part / whole if whole else 0.0
    return round(value, 1)


def _median(histogram: dict[int, int], cap: int) -> int | str:
    total = sum(histogram.values())
    if not total:
        return derived(0, 0)
    seen, middle = 0, (total + 1) / 2
    for days in sorted(histogram):
        seen += histogram[days]
        if seen >= middle:
            return derived(total, f"≥{cap}" if days >= cap else days)
    return derived(total, 0)  # pragma: no cover - the loop always reaches the middle


def _by_year(f: Filters) -> Filters:
    """Figures kept per year (gifts, procurement): the period widens to whole years."""
    return Filters(f.start.replace(month=1) if f.start else None, f.end, f.entity, f._names, {})


def _ranked(rows: list[dict], label) -> list[dict]:
    """Largest first; rows below the threshold last and by name, so their order leaks nothing."""
    return sorted(rows, key=lambda r: (0 if suppressed(r["total"]) else -r["total"], label(r)))


def _sum_by(rows: QuerySet, *keys: str) -> Iterable[dict]:
    return rows.values(*keys).annotate(total=Sum("n"), value=Sum("amount")).order_by(*keys)


def _month_label(month: dt.date | None) -> str:
    return month.strftime("%Y-%m") if month else ""


# --- Case panels ------------------------------------------------------------------------------
def cases_by_month(f: Filters) -> Table:
    table = Table(
        "cases_month", _("Casos por mes"), [_("Mes"), _("Casos"), _("Denuncias anónimas")]
    )
    totals = {r["month"]: r["total"] for r in _sum_by(f.figures("cases"), "month")}
    reports = {
        r["month"]: r["total"] for r in _sum_by(f.figures("source").filter(key="report"), "month")
    }
    for month in sorted(totals):
        table.add(_month_label(month), count(totals[month]), count(reports.get(month)))
    table.chart = "columns"
    return table


def cases_by_entity(f: Filters) -> Table:
    table = Table("cases_entity", _("Casos por ente"), [_("Ente"), _("Casos")])
    rows = list(_sum_by(f.figures("cases", per_entity=True), "entity"))
    names = f.names()
    for r in _ranked(rows, lambda r: names.get(r["entity"], "")):
        table.add(names.get(r["entity"], "—"), count(r["total"]))
    return table


def cases_by_category(f: Filters) -> Table:
    table = Table("cases_category", _("Casos por categoría"), [_("Categoría"), _("Casos")])
    rows = f.by_key("category")
    ids = [int(r["key"]) for r in rows if r["key"].isdigit()]
    labels = lacs_selectors.category_labels(ids, get_language() or "es")
    for r in _ranked(rows, lambda r: labels.get(r["key"], "")):
        table.add(labels.get(r["key"], "—"), count(r["total"]))
    return table


def _choice_order(rows: list[dict], labels: dict[str, str]) -> list[dict]:
    order = {key: i for i, key in enumerate(labels)}
    return sorted(rows, key=lambda r: (order.get(r["key"], len(order)), r["key"]))


def cases_by_status(f: Filters) -> Table:
    table = Table("cases_status", _("Casos por estado"), [_("Estado"), _("Casos")])
    labels = cases_selectors.status_labels()
    for r in _choice_order(f.by_key("status"), labels):
        table.add(labels.get(r["key"], r["key"]), count(r["total"]))
    return table


def _histogram(f: Filters, dimension: str) -> dict[int, int]:
    return {int(r["key"]): r["total"] for r in f.by_key(dimension)}


def deadlines(f: Filters) -> Table:
    table = Table(
        "deadlines",
        _("Plazos: acuse de recibo e informe a la persona denunciante"),
        [_("Plazo"), _("Casos evaluados"), _("En plazo (%)"), _("Mediana de días")],
        chart="",
    )
    specs = (
        (
            _("Acuse en %(days)s días"),
            settings.ACKNOWLEDGE_DAYS,
            "ack",
            cases_selectors.ACK_DAYS_CAP,
        ),
        (
            _("Informe en %(days)s días"),
            settings.FEEDBACK_DAYS,
            "fb",
            cases_selectors.FEEDBACK_DAYS_CAP,
        ),
    )
    for label, limit, prefix, cap in specs:
        histogram = _histogram(f, f"{prefix}_days")
        overdue = sum(r["total"] for r in f.by_key(f"{prefix}_overdue"))
        on_time = sum(n for days, n in histogram.items() if days <= limit)
        evaluated = sum(histogram.values()) + overdue
        table.add(
            label % {"days": limit},
            count(evaluated),
            _share(on_time, evaluated),
            _median(histogram, cap),
        )
    return table


def outcomes(f: Filters) -> Table:
    table = Table("outcomes", _("Resultados y turnos"), [_("Resultado"), _("Casos")])
    labels = cases_selectors.outcome_labels()
    for r in _choice_order(f.by_key("outcome"), labels):
        table.add(labels.get(r["key"], r["key"]), count(r["total"]))
    referred = f.by_key("referred")
    if referred:
        table.add(_("Turnados a otra autoridad"), count(sum(r["total"] for r in referred)))
    return table


def protection(f: Filters) -> Table:
    table = Table(
        "protection",
        _("Solicitudes de protección contra represalias"),
        [_("Estado de la solicitud"), _("Solicitudes")],
    )
    labels = whistleblowing_selectors.protection_status_labels()
    for r in _choice_order(f.by_key("protection"), labels):
        table.add(labels.get(r["key"], r["key"]), count(r["total"]))
    table.note = _("«Medidas otorgadas» cuenta las solicitudes con medidas.")
    return table


# --- Ethics -----------------------------------------------------------------------------------
def ethics(f: Filters) -> Table:
    table = Table(
        "ethics",
        _("Código de ética y declaraciones por ente (situación actual)"),
        [
            _("Ente"),
            _("Personas servidoras"),
            _("Aceptaron el código vigente (%)"),
            _("Declaraciones en tiempo"),
            _("Con retraso"),
            _("Omisas"),
            _("Por vencer"),
        ],
        chart="",
    )
    per: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for dimension in ("servants", "code_ack", "declaration"):
        rows = f.figures(dimension, per_entity=True, dated=False)
        for r in _sum_by(rows, "entity", "key"):
            per[r["entity"]][f"{dimension}:{r['key']}"] += r["total"]
    names = f.names()
    for entity_id in sorted(per, key=lambda e: names.get(e, "")):
        row = per[entity_id]
        servants = row["servants:"]
        table.add(
            names.get(entity_id, "—"),
            count(servants),
            _share(row["code_ack:"], servants),
            *(count(row[f"declaration:{s}"]) for s in ("on_time", "late", "missing", "pending")),
        )
    return table


def gifts(f: Filters) -> Table:
    table = Table(
        "gifts",
        _("Registro de regalos por ente"),
        [_("Ente"), _("Regalos registrados"), _("Valor total (MXN)")],
    )
    sums = list(_sum_by(_by_year(f).figures("gifts", per_entity=True), "entity"))
    names = f.names()
    for r in _ranked(sums, lambda r: names.get(r["entity"], "")):
        table.add(names.get(r["entity"], "—"), count(r["total"]), derived(r["total"], r["value"]))
    table.note = _("Los regalos se agregan por año.")
    return table


# --- Procurement ------------------------------------------------------------------------------
def procurement_methods(f: Filters) -> Table:
    table = Table(
        "procurement_methods",
        _("Contrataciones por procedimiento"),
        [_("Procedimiento"), _("Procedimientos"), _("Participación (%)"), _("Valor (MXN)")],
    )
    labels = procurement_selectors.method_labels()
    rows = list(_sum_by(_by_year(f).figures("proc_method"), "key"))
    whole = sum(r["total"] for r in rows)
    for r in _ranked(rows, lambda r: r["key"]):
        table.add(
            labels.get(r["key"], r["key"] or "—"),
            count(r["total"]),
            _share(r["total"], whole),
            derived(r["total"], r["value"]),
        )
    return table


def procurement_entities(f: Filters) -> Table:
    table = Table(
        "procurement_entities",
        _("Contrataciones por ente y año"),
        [
            _("Ente"),
            _("Año"),
            _("Procedimientos"),
            _("Adjudicación directa (% del número)"),
            _("Adjudicación directa (% del valor)"),
            _("Valor total (MXN)"),
        ],
        chart="",
    )
    rows = (
        _by_year(f)
        .figures("proc_method", per_entity=True)
        .values("entity", "month")
        .annotate(
            total=Sum("n"),
            value=Sum("amount"),
            dn=Sum("n", filter=Q(key="direct")),
            dv=Sum("amount", filter=Q(key="direct")),
        )
    )
    per = {(r["entity"], r["month"].year): r for r in rows}
    names = f.names()
    threshold = settings.SMALL_CELL_THRESHOLD

    def order(item):  # largest value first; entity-years under the threshold last, by name
        (entity_id, year), c = item
        small_cell = c["total"] < threshold
        return (small_cell, 0 if small_cell else -(c["value"] or 0), names.get(entity_id, ""), year)

    for (entity_id, year), c in sorted(per.items(), key=order):
        value_share = float(100 * (c["dv"] or 0) / c["value"]) if c["value"] else 0.0
        table.add(
            names.get(entity_id, "—"),
            year,
            count(c["total"]),
            _share(c["dn"] or 0, c["total"]),
            _share(c["dn"] or 0, c["total"], value_share),
            derived(c["total"], c["value"] or 0),
        )
    return table


def red_flags(f: Filters) -> Table:
    table = Table(
        "red_flags",
        _("Alertas de riesgo en contrataciones por ente"),
        [_("Ente"), _("Alertas")],
    )
    rows = list(_sum_by(_by_year(f).figures("red_flag", per_entity=True), "entity"))
    names = f.names()
    for r in _ranked(rows, lambda r: names.get(r["entity"], "")):
        table.add(names.get(r["entity"], "—"), count(r["total"]))
    table.note = _("Alertas del cálculo más reciente, por año del procedimiento.")
    return table


# --- Committee follow-up ---------------------------------------------------------------------
def overdue(f: Filters, today: dt.date | None = None) -> Table:
    """Overdue work-plan actions and audit findings per entity (counts, no titles)."""
    day = today or timezone.localdate()
    table = Table(
        "overdue",
        _("Compromisos vencidos por ente"),
        [_("Ente"), _("Acciones del programa vencidas"), _("Hallazgos de auditoría vencidos")],
        chart="",
    )
    actions = PlanAction.objects.filter(due__lt=day).prefetch_related("reports")
    findings = AuditFinding.objects.filter(status=FindingStatus.OPEN, due__lt=day)
    if f.entity is not None:
        actions, findings = actions.filter(entity=f.entity), findings.filter(entity=f.entity)
    per: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for action in actions:
        if action.is_overdue(day):
            per[action.entity_id][0] += 1
    for entity_id in findings.values_list("entity_id", flat=True):
        per[entity_id][1] += 1
    names = f.names()
    for entity_id in sorted(per, key=lambda e: names.get(e, "")):
        table.add(names.get(entity_id, "—"), *per[entity_id])
    table.note = _("Compromisos del Comité Coordinador; no provienen de denuncias.")
    return table


PANELS: dict[str, Callable[[Filters], Table]] = {
    "cases_month": cases_by_month,
    "cases_entity": cases_by_entity,
    "cases_category": cases_by_category,
    "cases_status": cases_by_status,
    "deadlines": deadlines,
    "outcomes": outcomes,
    "protection": protection,
    "ethics": ethics,
    "gifts": gifts,
    "procurement_methods": procurement_methods,
    "procurement_entities": procurement_entities,
    "red_flags": red_flags,
    "overdue": overdue,
}
# Which refresh source feeds each panel, to say "sin datos" when that source was missing.
PANEL_SOURCES = {
    "cases_month": "cases",
    "cases_entity": "cases",
    "cases_category": "cases",
    "cases_status": "cases",
    "deadlines": "cases",
    "outcomes": "cases",
    "protection": "protection",
    "ethics": "ethics",
    "gifts": "ethics",
    "procurement_methods": "procurement",
    "procurement_entities": "procurement",
    "red_flags": "procurement",
}


# Tables whose rows add up to a total shown elsewhere (the period's cases, all processes…): one
# suppressed row could be recovered by subtraction, so a second one is hidden with it.
# slug: [(count column, hide the whole row, re-sort hidden rows last)]
COMPLEMENT: dict[str, list[tuple[int, bool, bool]]] = {
    "cases_month": [(1, False, False), (2, False, False)],
    "cases_entity": [(1, True, True)],
    "cases_category": [(1, True, True)],
    "cases_status": [(1, True, False)],
    "protection": [(1, True, False)],
    "gifts": [(1, True, True)],
    "procurement_methods": [(1, True, True)],
    "procurement_entities": [(2, True, True)],
    "red_flags": [(1, True, True)],
}


def complement(table: Table, column: int, whole_row: bool, resort: bool) -> None:
    """Secondary suppression: if exactly one cell of ``column`` is hidden, hide the smallest
    visible one too (with the figures derived from it when ``whole_row``)."""
    hidden = [row for row in table.rows if isinstance(row[column], str)]
    visible = [row for row in table.rows if not isinstance(row[column], str)]
    if len(hidden) != 1 or not visible:
        return
    smallest = min(visible, key=lambda row: row[column])
    for i in range(column, len(smallest) if whole_row else column + 1):
        smallest[i] = small()
    if resort:
        moved = {id(smallest), id(hidden[0])}
        shown = [row for row in table.rows if id(row) not in moved]
        rest = sorted([*hidden, smallest], key=lambda row: [str(c) for c in row[:column]])
        table.rows = shown + rest


def panel(slug: str, f: Filters, missing: Iterable[str] = ()) -> Table:
    table = PANELS[slug](f)
    for column, whole_row, resort in COMPLEMENT.get(slug, ()):
        complement(table, column, whole_row, resort)
    table.missing = PANEL_SOURCES.get(slug) in set(missing)
    return table


def all_panels(f: Filters, missing: Iterable[str] = ()) -> list[Table]:
    gone = set(missing)
    return [panel(slug, f, gone) for slug in PANELS]
