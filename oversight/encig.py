"""Reading INEGI's ENCIG indicators for Mexico City from CSV.

Columns (first line, in this order): ``year,indicator,procedure,value,ci_low,ci_high``.
``indicator`` is ``perception`` (% who perceive corruption as frequent), ``prevalence`` or
``incidence`` (per 100,000 inhabitants); ``procedure`` is blank for the city-wide figure. The
whole file is checked before anything is stored: one bad line and nothing is imported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from oversight.models import EncigIndicatorKind

COLUMNS = ["year", "indicator", "procedure", "value", "ci_low", "ci_high"]
ALIASES = {"percepcion": "perception", "prevalencia": "prevalence", "incidencia": "incidence"}
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class EncigRow:
    year: int
    indicator: str
    procedure: str
    value: Decimal
    ci_low: Decimal
    ci_high: Decimal


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str

    def __str__(self) -> str:
        return _("Línea %(line)s: %(reason)s") % {"line": self.line, "reason": self.reason}


def _decimal(text: str, column: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(
            _("«%(value)s» en %(column)s no es un número") % {"value": text[:20], "column": column}
        ) from None
    if not value.is_finite():
        raise ValueError(_("%(column)s no es un número finito") % {"column": column})
    return value


def _row(cells: list[str]) -> EncigRow:
    if len(cells) != len(COLUMNS):
        raise ValueError(
            _("se esperaban %(n)s columnas y hay %(m)s") % {"n": len(COLUMNS), "m": len(cells)}
        )
    year_text, indicator, procedure = (c.strip() for c in cells[:3])
    if not year_text.isdigit() or not 2000 <= int(year_text) <= timezone.localdate().year:
        raise ValueError(_("el año «%(value)s» no es válido") % {"value": year_text[:10]})
    indicator = ALIASES.get(indicator.lower(), indicator.lower())
    if indicator not in EncigIndicatorKind.values:
        raise ValueError(
            _("indicador desconocido «%(value)s» (use perception, prevalence o incidence)")
            % {"value": indicator[:30]}
        )
    value, low, high = (_decimal(c, name) for c, name in zip(cells[3:], COLUMNS[3:], strict=True))
    if value < 0 or not low <= value <= high:
        raise ValueError(
            _("el valor debe estar dentro de su intervalo de confianza y no ser negativo")
        )
    if len(procedure) > 120:
        raise ValueError(_("el nombre del trámite es demasiado largo"))
    return EncigRow(int(year_text), indicator, procedure, value, low, high)


def encig_parse(data: bytes) -> tuple[list[EncigRow], list[LineError]]:
    """Every row, or every problem with its line number (then the rows must not be stored)."""
    if len(data) > MAX_BYTES:
        return [], [LineError(0, _("el archivo es demasiado grande"))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [LineError(0, _("el archivo no está en UTF-8"))]
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if header != COLUMNS:
        return [], [
            LineError(1, _("las columnas deben ser: %(cols)s") % {"cols": ",".join(COLUMNS)})
        ]
    rows, errors, seen = [], [], set()
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        try:
            row = _row(cells)
        except ValueError as exc:
            errors.append(LineError(line, str(exc)))
            continue
        key = (row.year, row.indicator, row.procedure)
        if key in seen:
            errors.append(
                LineError(line, _("fila repetida para el mismo año, indicador y trámite"))
            )
        seen.add(key)
        rows.append(row)
    if not rows and not errors:
        errors.append(LineError(2, _("el archivo no tiene filas")))
    return (rows if not errors else []), errors
