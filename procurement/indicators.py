"""Red-flag indicators over OCDS compiled releases, as OCDS Cardinal defines them.

The engine streams: ``IndicatorRun.fold(facts)`` once per compiled release, on what indicators
read of it (``release_facts``: kept at import for imported data, worked out per release for a
file), keeps only what each indicator needs (per-process values for the fenced indicators,
per-organisation counters), and ``IndicatorRun.results()`` applies the Tukey fences and returns
Cardinal's output shape:
``{"OCID": {...}, "Buyer": {...}, "ProcuringEntity": {...}, "Tenderer": {...}}``.

Settings use Cardinal's INI format (top-level keys, ``[exclusions]``, one section per indicator;
an indicator runs only if its section exists). Mexico City's own flags (R055, MX01, MX02, MX03)
share the shape and the settings file.
"""

from __future__ import annotations

import configparser
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from procurement.ocds import gc_paused

CARDINAL_CODES = (
    "R003",
    "R018",
    "R024",
    "R025",
    "R028",
    "R030",
    "R035",
    "R036",
    "R038",
    "R048",
    "R058",
)
LOCAL_CODES = ("R055", "MX01", "MX02", "MX03")
ALL_CODES = CARDINAL_CODES + LOCAL_CODES
GROUPS = ("OCID", "Buyer", "ProcuringEntity", "Tenderer")

SUBMITTED = frozenset({"pending", "valid", "disqualified"})
FINAL_AWARD = frozenset({"active", "cancelled", "unsuccessful"})
PRICE_INDICATORS = frozenset({"R024", "R028", "R036", "R058"})

# Mexico City's local method names (lower-cased, accents kept) → OCDS method.
LOCAL_METHODS = {
    "licitación pública": "open",
    "licitacion publica": "open",
    "licitación pública nacional": "open",
    "licitación pública internacional": "open",
    "invitación restringida": "selective",
    "invitacion restringida": "selective",
    "invitación restringida a cuando menos tres personas": "selective",
    "invitación a cuando menos tres personas": "selective",
    "invitacion a cuando menos tres personas": "selective",
    "adjudicación directa": "direct",
    "adjudicacion directa": "direct",
}


def method_of(tender: Mapping[str, Any]) -> str:
    """The OCDS method of a tender, preferring the local name (some publishers wrote limited)."""
    details, method = tender.get("procurementMethodDetails"), tender.get("procurementMethod")
    if type(details) is str and (method is None or type(method) is str):
        return _method_of(details, method)  # a few names, over and over: worked out once each
    return _method_of_uncached(details, method)


@lru_cache(maxsize=1024)
def _method_of(details: str, method: str | None) -> str:
    return _method_of_uncached(details, method)


def _method_of_uncached(details: Any, method: Any) -> str:
    if isinstance(details, str):
        name = " ".join(details.lower().split())
        if name in LOCAL_METHODS:
            return LOCAL_METHODS[name]
        for local, mapped in LOCAL_METHODS.items():
            if name.startswith(local):
                return mapped
    if method == "limited":
        return "direct"
    return method if method in ("open", "selective", "direct") else ""


# --- settings ----------------------------------------------------------------------------------
def _pipe(value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset(part for part in value.split("|") if part)


@dataclass
class Settings:
    currency: str | None = None
    no_price_comparison: frozenset[str] | None = None
    price_comparison: frozenset[str] | None = None
    excluded_method_details: frozenset[str] = frozenset()
    excluded_methods: frozenset[str] = frozenset()
    sections: dict[str, dict[str, str]] = field(default_factory=dict)

    def enabled(self, code: str) -> bool:
        return code in self.sections

    def get(self, code: str, key: str, default: Any = None, kind: type = str) -> Any:
        raw = self.sections.get(code, {}).get(key)
        return default if raw is None else kind(raw)

    @classmethod
    def defaults(cls, codes: Iterable[str] = CARDINAL_CODES) -> Settings:
        return cls(sections={code: {} for code in codes})

    @classmethod
    def from_ini(cls, text: str) -> Settings:
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # names are case-sensitive
        try:
            parser.read_string("[__top__]\n" + text)
        except configparser.Error as exc:
            raise ValueError(str(exc)) from exc
        top = dict(parser["__top__"])
        exclusions = dict(parser["exclusions"]) if parser.has_section("exclusions") else {}
        sections: dict[str, dict[str, str]] = {}
        for name in parser.sections():
            code, _, sub = name.partition(".")
            if code not in ALL_CODES:
                continue
            section = sections.setdefault(code, {})
            if sub:
                section[sub] = dict(parser[name])  # type: ignore[assignment]
            else:
                section.update(parser[name])
        _check_numbers(sections)
        return cls(
            currency=top.get("currency") or None,
            no_price_comparison=_pipe(top.get("no_price_comparison_procurement_methods")),
            price_comparison=_pipe(top.get("price_comparison_procurement_methods")),
            excluded_method_details=_pipe(exclusions.get("procurement_method_details"))
            or frozenset(),
            excluded_methods=_pipe(exclusions.get("procurement_methods")) or frozenset(),
            sections=sections,
        )


NUMERIC_KEYS = frozenset(
    {
        "threshold",
        "percentile",
        "digits",
        "minimum_submitted_bids",
        "minimum_contracting_processes",
        "days",
        "margin",
    }
)


def _check_numbers(sections: dict[str, dict]) -> None:
    """Refuse a settings file with a non-numeric figure before any computation starts."""
    for code, section in sections.items():
        for key, value in section.items():
            values = value.values() if isinstance(value, dict) else [value] * (key in NUMERIC_KEYS)
            if key == "thresholds":
                values = value.split("|")
            for raw in values:
                try:
                    float(raw)
                except ValueError:
                    raise ValueError(f"[{code}] {key}: {raw!r} no es un número") from None


# --- statistics --------------------------------------------------------------------------------
def quantile(sorted_values: list[float], p: float) -> float:
    """R-8 (median-unbiased) quantile, as Cardinal's statistics library computes it."""
    n = len(sorted_values)
    h = (n + 1 / 3) * p + 1 / 3
    if h <= 1:
        return sorted_values[0]
    if h >= n:
        return sorted_values[-1]
    low = math.floor(h)
    return sorted_values[low - 1] + (h - low) * (sorted_values[low] - sorted_values[low - 1])


def quartiles(values: Iterable[float]) -> tuple[float, float] | None:
    """The first and third quartiles (R-8); None when there are no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return quantile(ordered, 0.25), quantile(ordered, 0.75)


def fences(values: Iterable[float]) -> tuple[float, float] | None:
    """Tukey's fences, ``Q1 - 1.5·IQR`` and ``Q3 + 1.5·IQR``; None when there are no values."""
    found = quartiles(values)
    if found is None:
        return None
    q1, q3 = found
    iqr = q3 - q1
    return q1 - 1.5 * iqr, q3 + 1.5 * iqr


def high_outlier_fence(values: Iterable[float], threshold: float | None) -> float | None:
    """The upper fence an indicator of high outliers compares with: the setting, else
    ``Q3 + 1.5·IQR``. A computed fence of 0 (three quarters of the values are 0) flags nothing:
    0 is no high outlier, as Cardinal's R058 page and code say."""
    if threshold is not None:
        return threshold
    bounds = fences(values)
    if bounds is None or bounds[1] <= 0:
        return None
    return bounds[1]


def low_outlier_fence(values: Iterable[float], threshold: float | None) -> float | None:
    """The lower fence an indicator of low outliers compares with: the setting, else
    ``Q1 - 1.5·IQR``."""
    if threshold is not None:
        return threshold
    bounds = fences(values)
    return None if bounds is None else bounds[0]


# --- helpers over one release ------------------------------------------------------------------
def parse_datetime(value: Any) -> dt.datetime | None:
    if type(value) is not str:
        return None if not isinstance(value, str) else _parse_datetime(str(value))
    return _parse_datetime(value)


@lru_cache(maxsize=1 << 16)
def _parse_datetime(value: str) -> dt.datetime | None:
    """Dates repeat across releases (days, timestamps of one publisher): parse each once."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _org_id(value: Any) -> str | None:
    if type(value) is dict:
        org_id = value.get("id")
        if type(org_id) is str:
            return org_id or None
        if type(org_id) in (int, float):
            return str(org_id)
    return None


def _party_ids(value: Any) -> list[str] | None:
    """Ids of an organisation-reference list; None if any reference lacks an id."""
    if type(value) is not list:
        return []
    ids = []
    for org in value:
        org_id = _org_id(org)
        if org_id is None:
            return None
        ids.append(org_id)
    return ids


_NO_TENDER: Mapping[str, Any] = {}


# --- the run -----------------------------------------------------------------------------------
@dataclass
class _Winning:
    ocid: str
    winner: str
    second: str
    value: float


class IndicatorRun:
    """Fold the facts of compiled releases (``release_facts``) one at a time, then ask for
    ``results()``."""

    def __init__(
        self,
        settings: Settings,
        *,
        declared_interests: Mapping[str, set[str]] | None = None,
        sanctioned: set[str] | None = None,
    ):
        self.s = settings
        self.currency = settings.currency
        self.declared_interests = declared_interests or {}
        self.sanctioned = sanctioned or set()
        self.out: dict[str, dict[str, dict[str, float]]] = {g: {} for g in GROUPS}
        self.winning: list[_Winning] = []
        # R025: tenderer → [valid bids, wins]
        self.r025: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        # R038: group → id → [submitted, disqualified, processes]
        self.r038: dict[str, dict[str, list[int]]] = {
            g: defaultdict(lambda: [0, 0, 0]) for g in ("Buyer", "ProcuringEntity", "Tenderer")
        }
        # R048: supplier → [processes, prefixes]
        self.r048: dict[str, list[Any]] = defaultdict(lambda: [0, set()])
        # R055: (buyer, supplier) → [(date, amount, ocid)]
        self.r055: dict[tuple[str, str], list[tuple[dt.datetime, float, str]]] = defaultdict(list)
        enabled = [c for c in ALL_CODES if settings.enabled(c)]
        # R058 shares R024's per-process values; collect them once.
        if "R024" in enabled and "R058" in enabled:
            enabled.remove("R058")
        self.direct: list[tuple[str, str, dt.datetime, float]] | None = None
        self.active: list[dict] = []
        self.winners: set[str] = set()
        # MX02 and MX03 cannot flag without declared interests or sanctioned suppliers.
        if not self.declared_interests and "MX02" in enabled:
            enabled.remove("MX02")
        if not self.sanctioned and "MX03" in enabled:
            enabled.remove("MX03")
        self.enabled = enabled
        # The folds a release runs, by (compares prices, direct award, several bids): see
        # ``_folds_for``; worked out once per combination.
        self.fold_sets: dict[tuple[bool, bool, bool], list] = {}
        # Settings each fold needs, read once per run rather than once per release.
        get = settings.get
        self.r003_methods = _pipe(get("R003", "procurement_methods"))
        self.r003_threshold = get("R003", "threshold", 15, int) if "R003" in enabled else 15
        by_details = settings.sections.get("R003", {}).get("procurement_method_details")
        self.r003_by_details = by_details if isinstance(by_details, dict) else None
        self.r018_methods = _pipe(get("R018", "procurement_methods")) or {"open", "selective"}
        self.r035_threshold = get("R035", "threshold", 1, int) if "R035" in enabled else 1
        self.r048_digits = get("R048", "digits", 2, int) if "R048" in enabled else 2
        self.mx01_thresholds = sorted(
            float(v) for v in (_pipe(get("MX01", "thresholds")) or frozenset())
        )
        self.mx01_margin = get("MX01", "margin", 0.1, float) if "MX01" in enabled else 0.1

    # -- output --
    def flag(self, group: str, key: str, code: str, value: float) -> None:
        self.out[group].setdefault(key, {})[code] = float(value)

    def results(self) -> dict[str, dict[str, dict[str, float]]]:
        self._finish_winning()
        self._finish_r025()
        self._finish_r038()
        self._finish_r048()
        self._finish_r055()
        result: dict[str, dict[str, dict[str, float]]] = {}
        for group in GROUPS:
            entries = self.out[group]
            if not entries:
                continue
            keys = list(entries) if group == "OCID" else sorted(entries)
            result[group] = {k: dict(sorted(entries[k].items())) for k in keys}
        return result

    # -- money --
    def amount(self, value: Any) -> float | None:
        """The amount if it is in the main currency (the setting, else the first one seen)."""
        if type(value) is not dict and not isinstance(value, dict):
            return None
        amount, currency = value.get("amount"), value.get("currency")
        if currency != self.currency or self.currency is None:
            if not isinstance(currency, str):
                return None
            if self.currency is None:
                self.currency = currency
            if currency != self.currency:
                return None
        kind = type(amount)
        if kind is float:
            return amount
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            return None
        return float(amount)

    # -- per release --
    def fold(self, release: Mapping[str, Any]) -> None:
        ocid = release.get("ocid")
        if not isinstance(ocid, str):
            return
        tender = release.get("tender") or _NO_TENDER  # facts keep a tender only if an object
        if tender.get("status") == "cancelled":
            return
        # Method names are compared with sets: anything but text counts as missing.
        method, details = tender.get("procurementMethod"), tender.get("procurementMethodDetails")
        if (method is not None and type(method) is not str) or (
            details is not None and type(details) is not str
        ):
            tender = {
                **tender,
                "procurementMethod": _text(method),
                "procurementMethodDetails": _text(details),
            }
            details = tender["procurementMethodDetails"]
        if details in self.s.excluded_method_details:
            return
        if tender.get("procurementMethod") in self.s.excluded_methods:
            return
        bids, awards = release["bids"], release["awards"]
        self.direct = None
        # Active awards and their suppliers, which most indicators read.
        self.active = [a for a in awards if a.get("status") == "active"]
        self.winners = {s for a in self.active for s in a["suppliers"] or []}
        # Until the main currency is known every price is read, in order, to find it.
        several = len(bids) > 1 or self.currency is None
        key = (self._compares_price(details), tender.get("method") == "direct", several)
        folds = self.fold_sets.get(key)
        if folds is None:
            folds = self.fold_sets[key] = self._folds_for(*key)
        for fold in folds:
            fold(self, release, ocid, tender, bids, awards)

    def _folds_for(self, price: bool, direct: bool, several: bool) -> list:
        """The folds that can flag a release: the price comparisons only if its method compares
        prices, and R024, R028, R036 and R058 only with two bids or more; R055 and MX01 only for a
        direct award."""
        skip = set() if price else set(PRICE_INDICATORS)
        if not several:
            skip |= {"R024", "R028", "R036", "R058"}
        if not direct:
            skip |= {"R055", "MX01"}
        # The class's functions, not bound methods: a run holding its own bound methods would
        # be a reference cycle, and all it holds would wait for the cycle collector.
        cls = type(self)
        return [getattr(cls, f"_fold_{c.lower()}") for c in self.enabled if c not in skip]

    def _compares_price(self, details: Any) -> bool:
        if self.s.price_comparison is not None:
            return details in self.s.price_comparison
        if self.s.no_price_comparison is not None:
            return details not in self.s.no_price_comparison
        return True

    def _fold_r003(self, release, ocid, tender, bids, awards) -> None:
        days = tender.get("days")
        if days is None:
            return
        methods = self.r003_methods
        if methods is not None and tender.get("procurementMethod") not in methods:
            return
        threshold = self.r003_threshold
        by_details = self.r003_by_details
        if by_details and tender.get("procurementMethodDetails") in by_details:
            threshold = int(by_details[tender["procurementMethodDetails"]])
        if days < threshold:
            self.flag("OCID", ocid, "R003", 1.0)

    def _fold_r018(self, release, ocid, tender, bids, awards) -> None:
        methods = self.r018_methods
        if tender.get("numberOfTenderers") == 1 and tender.get("procurementMethod") in methods:
            self.flag("OCID", ocid, "R018", 1.0)

    def _single_winner(self, awards) -> str | None:
        """The supplier of the one active award, under the exclusions R024, R025 and R058 share:
        no award pending or invalid (any other status than active, cancelled or unsuccessful),
        one active award, made to one supplier."""
        if not awards or any("status" in a and a["status"] not in FINAL_AWARD for a in awards):
            return None
        active = self.active
        if len(active) != 1:
            return None
        suppliers = active[0]["suppliers"]
        if not suppliers or len(suppliers) != 1:
            return None
        return suppliers[0]

    def _winning_difference(self, ocid, bids, awards) -> _Winning | None:
        """Single winner, single-tenderer bids, winner's bid the lowest valid bid: the gap ratio
        ``(second lowest - winning) / winning``."""
        winner = self._single_winner(awards)
        if winner is None:
            return None
        mine: list[float] = []
        others: list[tuple[float, str]] = []
        for bid in bids:
            tenderers = bid["tenderers"]
            if tenderers is not None and len(tenderers) > 1:
                return None  # a bid submitted by several tenderers excludes the process
            if bid.get("status") != "valid":
                continue
            if not tenderers:
                return None
            amount = self.amount(bid.get("value"))
            if amount is None:
                continue
            if tenderers[0] == winner:
                mine.append(amount)
            else:
                others.append((amount, tenderers[0]))
        if not mine or not others:
            return None
        lowest = min(mine)
        second, second_id = min(others, key=lambda pair: pair[0])
        if lowest > second or lowest == 0:
            return None  # awarded on other criteria than price, or no ratio
        return _Winning(ocid, winner, second_id, (second - lowest) / lowest)

    def _fold_r024(self, release, ocid, tender, bids, awards) -> None:
        winning = self._winning_difference(ocid, bids, awards)
        if winning is not None:
            self.winning.append(winning)

    def _fold_r058(self, release, ocid, tender, bids, awards) -> None:
        self._fold_r024(release, ocid, tender, bids, awards)

    def _finish_winning(self) -> None:
        if not self.winning:
            return
        values = [w.value for w in self.winning]
        if self.s.enabled("R024"):
            threshold = self.s.get("R024", "threshold", None, float)
            lower = low_outlier_fence(values, threshold)
            if lower is not None:
                for w in self.winning:
                    if w.value <= lower:
                        # The process gets the difference; its winner and second-lowest bidder 0.0.
                        self.flag("OCID", w.ocid, "R024", w.value)
                        self.flag("Tenderer", w.winner, "R024", 0.0)
                        self.flag("Tenderer", w.second, "R024", 0.0)
        if self.s.enabled("R058"):
            threshold = self.s.get("R058", "threshold", None, float)
            upper = high_outlier_fence(values, threshold)
            if upper is not None:
                for w in self.winning:
                    if w.value >= upper:
                        self.flag("OCID", w.ocid, "R058", w.value)
                        self.flag("Tenderer", w.winner, "R058", 0.0)

    def _fold_r025(self, release, ocid, tender, bids, awards) -> None:
        """Each tenderer with a valid bid counts the process once; it wins if it is the supplier
        of the single active award. R024's exclusions apply."""
        winner = self._single_winner(awards)
        if winner is None:
            return
        valid: set[str] = set()
        for bid in bids:
            tenderers = bid["tenderers"]
            if tenderers is not None and len(tenderers) > 1:
                return
            if bid.get("status") == "valid":
                if tenderers is None:
                    return
                valid.update(tenderers)
        for tenderer in valid:
            counters = self.r025[tenderer]
            counters[0] += 1
            counters[1] += tenderer == winner

    def _finish_r025(self) -> None:
        """Top tenderers (valid bids at or above the percentile of all tenderers' valid bids) whose
        ratio of wins is at or below the lower fence of every tenderer's ratio."""
        if not self.r025:
            return
        percentile = self.s.get("R025", "percentile", 75, int)
        counts = sorted(valid for valid, _ in self.r025.values())
        floor = quantile(counts, percentile / 100)
        ratios = {t: wins / valid for t, (valid, wins) in self.r025.items()}
        threshold = self.s.get("R025", "threshold", None, float)
        lower = low_outlier_fence(ratios.values(), threshold)
        if lower is None:
            return
        for tenderer, ratio in ratios.items():
            if self.r025[tenderer][0] >= floor and ratio <= lower:
                self.flag("Tenderer", tenderer, "R025", ratio)

    def _fold_r028(self, release, ocid, tender, bids, awards) -> None:
        by_amount: dict[float, set[frozenset[str]]] = defaultdict(set)
        for bid in bids:
            if bid.get("status") not in SUBMITTED:
                continue
            tenderers = bid["tenderers"]
            amount = self.amount(bid.get("value"))
            if tenderers and amount is not None:
                by_amount[amount].add(frozenset(tenderers))
        flagged = [group for group in by_amount.values() if len(group) > 1]
        if flagged:
            self.flag("OCID", ocid, "R028", 1.0)
            for group in flagged:
                for tenderer in set().union(*group):
                    self.flag("Tenderer", tenderer, "R028", 1.0)

    def _fold_r030(self, release, ocid, tender, bids, awards) -> None:
        winners = self.winners
        late = set()
        for bid in bids:
            if "late" in bid and bid.get("status") == "valid":
                late.update(t for t in bid["tenderers"] or [] if t in winners)
        if late:
            self.flag("OCID", ocid, "R030", 1.0)
            for tenderer in late:
                self.flag("Tenderer", tenderer, "R030", 1.0)

    def _fold_r035(self, release, ocid, tender, bids, awards) -> None:
        if not awards or any(a.get("status") not in FINAL_AWARD for a in awards):
            return
        valid: set[str] = set()
        disqualified: set[str] = set()
        for bid in bids:
            status = bid.get("status")
            if status in ("valid", "disqualified"):
                ids = bid["tenderers"] or []
                (valid if status == "valid" else disqualified).update(ids)
        suppliers = self.winners
        difference = len(disqualified - valid)
        if len(valid) == 1 and valid == suppliers and difference >= self.r035_threshold:
            self.flag("OCID", ocid, "R035", difference)
            self.flag("Tenderer", next(iter(valid)), "R035", 0.0)

    def _fold_r036(self, release, ocid, tender, bids, awards) -> None:
        """An active award, a valid bid with an amount, and the lowest submitted bid disqualified
        (a tie with another status counts as disqualified)."""
        if not self.active:
            return
        disqualified: list[float] = []
        others: list[float] = []
        valid = False
        for bid in bids:
            status = bid.get("status")
            if status not in SUBMITTED:
                continue
            value = bid.get("value")
            if not isinstance(value, dict) or value.get("amount") is None:
                continue  # a bid without an amount has no price to compare
            amount = self.amount(value)
            if amount is None:
                return  # another currency than the main one excludes the process
            valid = valid or status == "valid"
            (disqualified if status == "disqualified" else others).append(amount)
        if valid and disqualified and min(disqualified) <= min(others):
            self.flag("OCID", ocid, "R036", 1.0)

    def _fold_r038(self, release, ocid, tender, bids, awards) -> None:
        submitted = [b for b in bids if b.get("status") in SUBMITTED]
        if not submitted:
            return
        disqualified = sum(1 for b in submitted if b.get("status") == "disqualified")
        for group, org_id in (
            ("Buyer", release.get("buyer")),
            ("ProcuringEntity", tender.get("procuringEntity")),
        ):
            if org_id is not None:
                counters = self.r038[group][org_id]
                counters[0] += len(submitted)
                counters[1] += disqualified
                counters[2] += 1
        seen: set[str] = set()
        by_tenderer = self.r038["Tenderer"]
        for bid in submitted:
            tenderers = bid["tenderers"]
            if not tenderers:
                continue
            out = bid["status"] == "disqualified"
            for tenderer in tenderers:
                counters = by_tenderer[tenderer]
                counters[0] += 1
                counters[1] += out
                if tenderer not in seen:
                    counters[2] += 1
                    seen.add(tenderer)

    def _finish_r038(self) -> None:
        """Tenderers need ``minimum_submitted_bids`` submitted bids; buyers and procuring entities
        ``minimum_contracting_processes``, counted as Cardinal counts it (see docs/procurement.md)."""
        threshold = self.s.get("R038", "threshold", None, float)
        min_bids = self.s.get("R038", "minimum_submitted_bids", 2, int)
        min_processes = self.s.get("R038", "minimum_contracting_processes", 2, int)
        for group, counters in self.r038.items():
            minimum = min_bids if group == "Tenderer" else min_processes
            ratios = {k: d / s for k, (s, d, _p) in counters.items() if s >= minimum}
            upper = high_outlier_fence(ratios.values(), threshold)
            if upper is None:
                continue
            for key, ratio in ratios.items():
                if ratio >= upper:
                    self.flag(group, key, "R038", ratio)

    def _fold_r048(self, release, ocid, tender, bids, awards) -> None:
        """The first ``digits`` of the classification of every item of an active award made to
        one supplier (an award to several suppliers is left out), and once per process each
        supplier of such an award."""
        digits = self.r048_digits
        awarded: set[str] = set()
        for award in self.active:
            suppliers = award["suppliers"]
            if not suppliers or len(suppliers) != 1:
                continue
            supplier = suppliers[0]
            awarded.add(supplier)
            self.r048[supplier][1].update(code[:digits] for code in award["codes"])
        for supplier in awarded:
            self.r048[supplier][0] += 1

    def _finish_r048(self) -> None:
        """The fence comes from the varieties of suppliers awarded in at least
        ``minimum_contracting_processes`` processes; any supplier at or above it is flagged."""
        minimum = self.s.get("R048", "minimum_contracting_processes", 20, int)
        varieties = {k: len(p) for k, (_n, p) in self.r048.items() if p}
        threshold = self.s.get("R048", "threshold", None, float)
        upper = high_outlier_fence(
            (v for k, v in varieties.items() if self.r048[k][0] >= minimum), threshold
        )
        if upper is None:
            return
        for supplier, variety in varieties.items():
            if variety >= upper:
                self.flag("Tenderer", supplier, "R048", variety)

    # -- Mexico City's flags --
    def _direct_awards(self, release, tender, awards) -> list[tuple[str, str, dt.datetime, float]]:
        """(buyer id, supplier id, date, amount) of each active direct award; R055 and MX01 both
        ask, so it is worked out once per release."""
        if self.direct is None:
            self.direct = list(self._direct_awards_of(release, tender, awards))
        return self.direct

    def _direct_awards_of(self, release, tender, awards):
        if tender.get("method") != "direct":
            return
        buyer = release.get("buyer")
        if buyer is None:
            return
        for award in self.active:
            amount = self.amount(award.get("value"))
            date = parse_datetime(award.get("date")) or parse_datetime(release.get("date"))
            if amount is None or date is None:
                continue
            for supplier in award["suppliers"] or []:
                yield buyer, supplier, date, amount

    def _fold_r055(self, release, ocid, tender, bids, awards) -> None:
        for buyer, supplier, date, amount in self._direct_awards(release, tender, awards):
            self.r055[buyer, supplier].append((date, amount, ocid))

    def _finish_r055(self) -> None:
        """Two or more direct awards, one buyer, one supplier, 365 days, sum ≥ open threshold."""
        threshold = self.s.get("R055", "threshold", None, float)
        window = dt.timedelta(days=self.s.get("R055", "days", 365, int))
        if threshold is None:
            return
        for (buyer, supplier), awards in self.r055.items():
            awards.sort()
            start, total = 0, 0.0
            for end, (date, amount, _ocid) in enumerate(awards):
                total += amount
                while date - awards[start][0] > window:
                    total -= awards[start][1]
                    start += 1
                if end > start and total >= threshold:
                    for _d, _a, flagged in awards[start : end + 1]:
                        self.flag("OCID", flagged, "R055", total)
                    self.flag("Buyer", buyer, "R055", total)
                    self.flag("Tenderer", supplier, "R055", total)

    def _fold_mx01(self, release, ocid, tender, bids, awards) -> None:
        """A direct award just below a legal threshold: the ratio to that threshold."""
        thresholds = self.mx01_thresholds
        margin = self.mx01_margin
        for _buyer, supplier, _date, amount in self._direct_awards(release, tender, awards):
            for limit in thresholds:
                if limit * (1 - margin) <= amount < limit:
                    self.flag("OCID", ocid, "MX01", amount / limit)
                    self.flag("Tenderer", supplier, "MX01", amount / limit)

    def _fold_mx02(self, release, ocid, tender, bids, awards) -> None:
        """A supplier that a servant of the buyer declared an interest in won an award."""
        buyer = release.get("buyer")
        linked = self.declared_interests.get(buyer or "", set())
        if not linked:
            return
        for award in self.active:
            for supplier in award["suppliers"] or []:
                if supplier.upper() in linked:
                    self.flag("OCID", ocid, "MX02", 1.0)
                    self.flag("Tenderer", supplier, "MX02", 1.0)

    def _fold_mx03(self, release, ocid, tender, bids, awards) -> None:
        """An active award to a supplier on the sanctioned list."""
        for award in self.active:
            for supplier in award["suppliers"] or []:
                if supplier.upper() in self.sanctioned:
                    self.flag("OCID", ocid, "MX03", 1.0)
                    self.flag("Tenderer", supplier, "MX03", 1.0)


def indicators_compute(
    releases: Iterable[Mapping[str, Any]], settings: Settings, **context: Any
) -> dict[str, dict[str, dict[str, float]]]:
    """Cardinal's output for a stream of compiled releases."""
    run = IndicatorRun(settings, **context)
    # The counters grow with the data and hold no cycles: the cycle collector would only walk
    # them again and again.
    with gc_paused():
        for release in releases:
            if isinstance(release, Mapping):
                run.fold(release_facts(release, fill_ids=False))
        return run.results()


def indicators_compute_facts(
    facts: Iterable[dict], settings: Settings, **context: Any
) -> dict[str, dict[str, dict[str, float]]]:
    """``indicators_compute`` over the facts of compiled releases (``release_facts``)."""
    run = IndicatorRun(settings, **context)
    with gc_paused():
        for release in facts:
            run.fold(release)
        return run.results()


# --- what the indicators read of a compiled release --------------------------------------------
def _has_id(org: Any) -> bool:
    return not isinstance(org, dict) or "id" in org


def with_org_ids(data: dict) -> dict:
    """The compiled release with organisation ids filled from identifiers (Mexico City's 1.0
    data names buyers and suppliers by ``identifier.id`` or by name only): what the indicators
    over imported data see, which ``release_facts(fill_ids=True)`` reproduces and the tests
    compare it with."""
    from procurement.ocds import organisation_key

    tender = data.get("tender")
    awards = data.get("awards")
    if (
        _has_id(data.get("buyer"))
        and (not isinstance(tender, dict) or _has_id(tender.get("procuringEntity")))
        and (
            not isinstance(awards, list)
            or all(
                not isinstance(a, dict)
                or (
                    (a.get("suppliers") is None or type(a["suppliers"]) is list)
                    and all(_has_id(s) for s in a.get("suppliers") or [])
                )
                for a in awards
            )
        )
    ):
        return data  # every organisation already has its id: nothing to fill, nothing to copy

    def fill(org: Any) -> Any:
        if isinstance(org, dict) and "id" not in org:
            key = organisation_key(org)
            return {**org, "id": key} if key else org
        return org

    data = dict(data)
    if "buyer" in data:
        data["buyer"] = fill(data["buyer"])
    if isinstance(data.get("tender"), dict):
        tender = dict(data["tender"])
        tender["procuringEntity"] = fill(tender.get("procuringEntity"))
        data["tender"] = tender
    if isinstance(data.get("awards"), list):
        data["awards"] = [
            {**a, "suppliers": [fill(s) for s in a.get("suppliers") or []]}
            if isinstance(a, dict)
            else a
            for a in data["awards"]
        ]
    return data


TENDER_FACTS = ("status", "procurementMethod", "procurementMethodDetails", "numberOfTenderers")


def _ref(org: Any, fill: bool) -> Any:
    """An organisation reference reduced to what ``_org_id`` reads (its id, or nothing), the id
    filled from the identifier or name first if ``fill``, as ``with_org_ids`` fills it."""
    if type(org) is not dict:
        return None
    if "id" in org:
        return {"id": org["id"]}
    if not fill:
        return {}
    from procurement.ocds import organisation_key

    key = organisation_key(org)
    return {"id": key} if key else {}


def _event_facts(obj: dict) -> dict:
    """A bid's or award's status (statuses are compared with text: anything else counts as
    missing) and value (amount and currency)."""
    facts: dict[str, Any] = {}
    status, value = obj.get("status"), obj.get("value")
    if type(status) is str:
        facts["status"] = status
    if type(value) is dict or isinstance(value, dict):
        facts["value"] = {k: value[k] for k in ("amount", "currency") if k in value}
    return facts


def _bid_facts(bid: dict, end: dt.datetime | None) -> dict:
    facts = _event_facts(bid)
    facts["tenderers"] = _party_ids(bid.get("tenderers"))  # tenderers are never filled
    if end is not None:  # submitted after the tender period (R030)
        date = parse_datetime(bid.get("date"))
        if date is not None and date > end:
            facts["late"] = True
    return facts


def _award_facts(award: dict, fill: bool) -> dict:
    facts = _event_facts(award)
    if "date" in award:
        facts["date"] = award["date"]
    suppliers = award.get("suppliers")
    if fill and suppliers and type(suppliers) is not list:
        # What ``with_org_ids`` makes of anything else than a list: the list of its items.
        suppliers = list(suppliers) if isinstance(suppliers, str | dict) else []
    if type(suppliers) is list:
        suppliers = [_ref(org, fill) for org in suppliers]
    facts["suppliers"] = _party_ids(suppliers)
    codes = []
    items = award.get("items")
    for item in items if type(items) is list else ():
        classification = item.get("classification") if isinstance(item, dict) else None
        code = classification.get("id") if isinstance(classification, dict) else None
        if isinstance(code, str | int) and str(code):
            codes.append(str(code))
    facts["codes"] = codes
    return facts


def release_facts(release: dict, *, fill_ids: bool = True) -> dict:
    """Everything any indicator reads of one compiled release, which ``IndicatorRun.fold``
    takes: the ocid and date; the buyer's and procuring entity's ids; the tender's status,
    methods and number of tenderers as published and the whole days of its submission period;
    per bid and award its status (if text), value and the ids of its tenderers or suppliers
    (``null`` if one has none); whether a bid came after the submission period; per award its
    date and the classification codes of its items. With ``fill_ids`` (imported data)
    organisation ids are filled from identifiers first, as ``with_org_ids`` does. Kept at
    import in ``Process.indicator_facts``: about a sixth of the release."""
    facts = {k: release[k] for k in ("ocid", "date") if k in release}
    end = None
    buyer = _org_id(_ref(release.get("buyer"), fill_ids))
    if buyer is not None:
        facts["buyer"] = buyer
    tender = release.get("tender")
    if isinstance(tender, dict):
        kept = {k: tender[k] for k in TENDER_FACTS if k in tender}
        kept["method"] = method_of(tender)  # the local name mapped (R055, MX01)
        period = _dict(tender.get("tenderPeriod"))
        start, end = parse_datetime(period.get("startDate")), parse_datetime(period.get("endDate"))
        if start is not None and end is not None:
            # Whole days of the submission period, truncated toward zero (R003).
            kept["days"] = int((end - start).total_seconds() / 86400)
        procuring = _org_id(_ref(tender.get("procuringEntity"), fill_ids))
        if procuring is not None:
            kept["procuringEntity"] = procuring
        facts["tender"] = kept
    bids = _dict(release.get("bids")).get("details")
    facts["bids"] = [_bid_facts(b, end) for b in _list(bids) if isinstance(b, dict)]
    awards = release.get("awards")
    facts["awards"] = [_award_facts(a, fill_ids) for a in _list(awards) if isinstance(a, dict)]
    return facts
