"""Inline SVG bar charts for the comparison page (the desk runs offline: no chart library
from a CDN)."""
from __future__ import annotations

from html import escape

COLORS = ("#2f6fb0", "#d9822b", "#3a9a5b", "#b8423a", "#7a5cb0", "#8c6d31", "#c15c9a", "#5f6b73")


def bar_chart(table: dict, width: int = 760, bar: int = 22, max_rows: int = 30) -> str:
    """Horizontal bars, one per place, stacked by year, for ``desk.query.compare``'s table.

    >>> svg = bar_chart({"years": ["2024"], "unit": "支", "rows": [
    ...     {"place": "湖南省", "total": 12.0, "cells": [{"total": 12.0, "articles": 1}]}]})
    >>> svg.startswith("<svg") and "湖南省" in svg and "12" in svg
    True
    """
    rows = table["rows"][:max_rows]
    if not rows:
        return ""
    label_w, legend_h = 150, 28
    top = legend_h + 8
    height = top + len(rows) * (bar + 8) + 10
    biggest = max(r["total"] for r in rows) or 1
    span = width - label_w - 90
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="desk-chart" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">']
    x = label_w
    for i, year in enumerate(table["years"]):
        color = COLORS[i % len(COLORS)]
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{color}"/>'
                     f'<text x="{x + 16}" y="17">{escape(year)}</text>')
        x += 16 + 9 * len(year) + 18
    for n, row in enumerate(rows):
        y = top + n * (bar + 8)
        parts.append(f'<text x="{label_w - 8}" y="{y + bar * 0.7:.0f}" text-anchor="end">{escape(row["place"])}</text>')
        x = float(label_w)
        for i, cell in enumerate(row["cells"]):
            if not cell or not cell["total"]:
                continue
            w = span * cell["total"] / biggest
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar}" '
                         f'fill="{COLORS[i % len(COLORS)]}"><title>{escape(row["place"])} '
                         f'{escape(table["years"][i])}: {number(cell["total"])} {escape(table["unit"] or "")}'
                         f'({cell["articles"]} 篇)</title></rect>')
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + bar * 0.7:.0f}">{number(row["total"])} '
                     f'{escape(table["unit"] or "")}</text>')
    parts.append("</svg>")
    return "".join(parts)


def number(value: float) -> str:
    """12.0 → '12', 0.5 → '0.5', 1234567 → '1,234,567'."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
