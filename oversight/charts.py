"""Server-side SVG charts: no JavaScript, no third-party assets, no style attributes (the CSP
forbids inline styles), only SVG presentation attributes. Each chart is decorative next to its
table (``aria-hidden``); the table carries the same figures for screen readers."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from oversight.panels import small

BRAND = "#9f2241"
MUTED = "#8c8c8c"
TARGET = "#1e6b3a"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def bars(points: Sequence[tuple[str, float | None]], *, limit: int = 15) -> SafeString:
    """Horizontal bars, largest first as given; ``None`` values are drawn as "<5" without a bar."""
    shown = list(points)[:limit]
    if not shown:
        return mark_safe("")
    width, label_w, row_h = 640, 240, 22
    top = max((v or 0) for _l, v in shown) or 1
    height = row_h * len(shown) + 8
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg" {FONT}>'
    ]
    for i, (label, value) in enumerate(shown):
        y = 4 + i * row_h
        text = label if len(label) <= 38 else label[:37] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" fill="#1b1b1b">'
            f"{escape(text)}</text>"
        )
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 15}" fill="{MUTED}">{small()}</text>')
            continue
        w = max(1.0, (width - label_w - 70) * float(value) / float(top))
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{BRAND}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" fill="#1b1b1b">{_fmt(float(value))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above


def columns(points: Sequence[tuple[str, float | None]]) -> SafeString:
    """Vertical columns over time (months); ``None`` values leave a gap marked "<5"."""
    if not points:
        return mark_safe("")
    width, height, bottom, left = 640, 220, 30, 10
    slot = min((width - 2 * left) / len(points), 48)
    top = max((v or 0) for _l, v in points) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg" {FONT}>'
    ]
    every = max(1, len(points) // 12)
    for i, (label, value) in enumerate(points):
        x = left + i * slot
        if value is None:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{height - bottom - 4}" text-anchor="middle" '
                f'fill="{MUTED}" font-size="9">{small()}</text>'
            )
        else:
            h = (height - bottom - 20) * float(value) / float(top)
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{height - bottom - h:.1f}" width="{max(slot - 2, 1):.1f}" '
                f'height="{h:.1f}" fill="{BRAND}"/>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{height - 10}" text-anchor="middle" '
                f'font-size="10" fill="#1b1b1b">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels escaped above


def line(points: Sequence[tuple[str, float]], *, baseline: float, target: float) -> SafeString:
    """Reported values over time as a line, with the baseline and the target as reference lines."""
    width, height, pad = 640, 200, 36
    values = [v for _l, v in points] + [baseline, target]
    low, high = min(values), max(values)
    span = (high - low) or 1

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * (v - low) / span

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg" {FONT}>',
        format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-dasharray="6 4"/>'
            '<text x="{}" y="{}" fill="{}">{}</text>',
            pad,
            width - pad,
            f"{y(target):.1f}",
            f"{y(target):.1f}",
            TARGET,
            pad,
            f"{y(target) - 4:.1f}",
            TARGET,
            _fmt(target),
        ),
        format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-dasharray="2 4"/>'
            '<text x="{}" y="{}" fill="{}">{}</text>',
            pad,
            width - pad,
            f"{y(baseline):.1f}",
            f"{y(baseline):.1f}",
            MUTED,
            pad,
            f"{y(baseline) + 14:.1f}",
            MUTED,
            _fmt(baseline),
        ),
    ]
    if points:
        step = (width - 2 * pad) / max(len(points) - 1, 1)
        coords = [(pad + i * step, y(v)) for i, (_l, v) in enumerate(points)]
        path = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{BRAND}" stroke-width="2"/>')
        for (x, yy), (label, value) in zip(coords, points, strict=True):
            parts.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="3.5" fill="{BRAND}"/>')
            parts.append(
                f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle" font-size="10">'
                f"{escape(label)}</text>"
                f'<text x="{x:.1f}" y="{yy - 8:.1f}" text-anchor="middle" font-size="10">'
                f"{_fmt(value)}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels escaped above


def _score_colour(score: int) -> str:
    if score >= 15:
        return "#f3c7c8"
    if score >= 8:
        return "#fbe3b5"
    return "#d7ecdf"


def heatmap(counts: dict[tuple[int, int], int], *, x_label: str, y_label: str) -> SafeString:
    """The 5 × 5 likelihood × impact grid with the number of risks in each cell."""
    cell, left, top = 56, 70, 10
    size = left + 5 * cell + 10
    parts = [
        f'<svg class="chart heatmap" viewBox="0 0 {size} {size + 30}" width="100%" role="img" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg" {FONT}>'
    ]
    for likelihood in range(1, 6):
        for impact in range(1, 6):
            x, y = left + (impact - 1) * cell, top + (5 - likelihood) * cell
            n = counts.get((likelihood, impact), 0)
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{_score_colour(likelihood * impact)}"/>'
            )
            if n:
                parts.append(
                    f'<text x="{x + cell / 2 - 1}" y="{y + cell / 2 + 5}" text-anchor="middle" '
                    f'font-size="16" font-weight="700" fill="#1b1b1b">{n}</text>'
                )
        parts.append(
            f'<text x="{left - 8}" y="{top + (5 - likelihood) * cell + cell / 2 + 4}" '
            f'text-anchor="end">{likelihood}</text>'
        )
    for impact in range(1, 6):
        parts.append(
            f'<text x="{left + (impact - 1) * cell + cell / 2}" y="{top + 5 * cell + 14}" '
            f'text-anchor="middle">{impact}</text>'
        )
    parts.append(
        f'<text x="{left + 5 * cell / 2}" y="{top + 5 * cell + 30}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text x="12" y="{top + 5 * cell / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + 5 * cell / 2})">{escape(y_label)}</text></svg>'
    )
    return mark_safe("".join(parts))  # noqa: S308 - labels escaped above
