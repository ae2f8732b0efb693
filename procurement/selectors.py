"""Reads of the procurement app: method shares, trend, legal exceptions over imported processes;
the dashboards' figures (``lacs.figures`` querysets); which companies supply an entity."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateField, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Trunc

from lacs.figures import figure_counts
from procurement.models import FlagRun, Method, Process, RedFlag

MAIN_CURRENCY = "MXN"
METHODS = (Method.OPEN, Method.SELECTIVE, Method.DIRECT)
ZERO = Decimal(0)


def _value():
    return Coalesce(
        Sum("awarded_amount"),
        Sum("tender_amount"),
        Value(ZERO),
        output_field=DecimalField(max_digits=22, decimal_places=2),
    )


@dataclass
class Share:
    """Counts and values per method for one entity and year (or one year, city-wide)."""

    label: str
    year: int | None
    counts: dict[str, int] = field(default_factory=dict)
    values: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total_count(self) -> int:
        return sum(self.counts.values())

    @property
    def total_value(self) -> Decimal:
        return sum(self.values.values(), ZERO)

    def count_share(self, method: str) -> float:
        total = self.total_count
        return 100 * self.counts.get(method, 0) / total if total else 0.0

    def value_share(self, method: str) -> float:
        total = self.total_value
        return float(100 * self.values.get(method, ZERO) / total) if total else 0.0

    def columns(self) -> list[dict]:
        return [
            {
                "method": m,
                "label": Method(m).label,
                "count": self.counts.get(m, 0),
                "count_share": self.count_share(m),
                "value": self.values.get(m, ZERO),
                "value_share": self.value_share(m),
            }
            for m in (*METHODS, Method.OTHER)
        ]


def _grouped(processes: QuerySet[Process], keys: list[str]):
    return (
        processes.filter(currency__in=[MAIN_CURRENCY, ""])
        .values(*keys, "method")
        .annotate(n=Count("pk"), value=_value())
        .order_by(*keys, "method")
    )


def method_shares(processes: QuerySet[Process]) -> list[Share]:
    """Per entity (buyers mapped by the admins; unmapped buyers by name) and year."""
    rows: dict[tuple, Share] = {}
    keys = ["buyer__entity__name", "buyer__name", "year"]
    for row in _grouped(processes, keys):
        label = row["buyer__entity__name"] or f"{row['buyer__name'] or '—'} *"
        share = rows.setdefault((label, row["year"]), Share(label, row["year"]))
        share.counts[row["method"]] = share.counts.get(row["method"], 0) + row["n"]
        share.values[row["method"]] = share.values.get(row["method"], ZERO) + row["value"]
    return sorted(rows.values(), key=lambda s: (s.label, s.year or 0))


def method_trend(processes: QuerySet[Process]) -> list[Share]:
    """City-wide (or scope-wide) shares per year."""
    rows: dict[int | None, Share] = {}
    for row in _grouped(processes, ["year"]):
        share = rows.setdefault(row["year"], Share(str(row["year"] or "—"), row["year"]))
        share.counts[row["method"]] = row["n"]
        share.values[row["method"]] = row["value"]
    return [rows[y] for y in sorted(rows, key=lambda y: y or 0)]


ARTICLE = re.compile(
    r"ART[IÍ]CULOS?\s+(\d+)(?:[^A-Z0-9]+FRACCI[OÓ]N(?:ES)?\s+([IVXLC]+(?:\s+BIS)?))?",
    re.IGNORECASE,
)


def exception_label(rationale: str) -> str:
    """ "…ARTICULO 54 FRACCION II BIS…" → "Art. 54 fr. II BIS"; else the text, shortened."""
    match = ARTICLE.search(rationale or "")
    if not match:
        return (rationale or "").strip()[:80] or "—"
    article, fraction = match.group(1), match.group(2)
    return f"Art. {article}" + (f" fr. {fraction.upper()}" if fraction else "")


@dataclass
class Exception_:
    label: str
    count: int = 0
    value: Decimal = ZERO
    methods: set[str] = field(default_factory=set)


def legal_exceptions(processes: QuerySet[Process]) -> list[Exception_]:
    """Legal grounds cited for non-open procedures, by article and fraction."""
    grouped: dict[str, Exception_] = defaultdict(lambda: Exception_(""))
    rows = (
        processes.filter(method__in=[Method.SELECTIVE, Method.DIRECT])
        .filter(currency__in=[MAIN_CURRENCY, ""])
        .values("method_rationale", "method")
        .annotate(n=Count("pk"), value=_value())
    )
    for row in rows:
        label = exception_label(row["method_rationale"])
        entry = grouped[label]
        entry.label = label
        entry.count += row["n"]
        entry.value += row["value"]
        entry.methods.add(row["method"])
    return sorted(grouped.values(), key=lambda e: (-e.count, e.label))


# --- Dashboard figures ------------------------------------------------------------------------
def method_labels() -> dict[str, str]:
    return {str(k): str(v) for k, v in Method.choices}


def _year(path: str) -> Trunc:
    """The year of a process's date, in the city's time zone (figures are kept per year)."""
    return Trunc(path, "year", output_field=DateField(), tzinfo=ZoneInfo(settings.TIME_ZONE))


def process_figures() -> QuerySet:
    """Processes per year, buyer entity and method, with their value (awarded, else tendered)."""
    rows = Process.objects.filter(buyer__entity__isnull=False, date__isnull=False)
    return figure_counts(
        rows,
        month=_year("date"),
        entity="buyer__entity_id",
        dimension="proc_method",
        key="method",
        amount=Sum(Coalesce("awarded_amount", "tender_amount")),
    )


def red_flag_figures() -> QuerySet | None:
    """Red flags of the latest run per process year, buyer entity and code; None before a run."""
    latest = FlagRun.objects.order_by("-created_at", "-pk").values_list("pk", flat=True).first()
    if latest is None:
        return None
    rows = RedFlag.objects.filter(
        run=latest, process__buyer__entity__isnull=False, process__date__isnull=False
    )
    return figure_counts(
        rows,
        month=_year("process__date"),
        entity="process__buyer__entity_id",
        dimension="red_flag",
        key="code",
    )


# --- Suppliers --------------------------------------------------------------------------------
def supplier_matches(
    *,
    entity_ids: Iterable[int],
    rfcs: Iterable[str] = (),
    names: Iterable[str] = (),
    since_year: int | None = None,
) -> set[str]:
    """Which of ``rfcs`` (upper-case) and ``names`` published processes of those entities show
    as suppliers (from ``since_year`` on). Ethics asks through ``ethics.registry``."""
    wanted = sorted({r.upper() for r in rfcs if r})
    named = sorted({n for n in names if n})
    if not wanted and not named:
        return set()
    keys = wanted + [f"MX-RFC-{r}" for r in wanted]
    match = Q(supplier_keys__overlap=keys) if keys else Q(pk__in=[])
    for name in named:
        match |= Q(supplier_names__contains=[name])
    rows = Process.objects.for_entities(list(entity_ids)).filter(match)
    if since_year is not None:
        rows = rows.filter(year__gte=since_year)
    found: set[str] = set()
    for supplier_keys, supplier_names in rows.values_list(
        "supplier_keys", "supplier_names"
    ).iterator():
        found |= {k.removeprefix("MX-RFC-").upper() for k in supplier_keys} & set(wanted)
        found |= set(supplier_names) & set(named)
    return found
