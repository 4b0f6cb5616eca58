"""Charts drawn on the server as inline SVG: no script, no CDN, readable without a browser's help."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _number(value) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if isinstance(value, float) else str(value)


def bar_chart(rows: list[tuple[str, float | int | None]], *, title: str, width: int = 520, height: int = 180,
              colour: str = "#3a6ea5", links: list[str] | None = None) -> SafeString:
    """Vertical bars, one per (label, value), each labelled with its value; bars may link to the rows behind."""
    top, bottom, gap = 18, 34, 6
    count = max(len(rows), 1)
    peak = max([v or 0 for _label, v in rows] + [1])
    bar_w = max((width - gap * (count + 1)) / count, 2)
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'preserveAspectRatio="xMidYMid meet" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    plot = height - top - bottom
    for index, (label, value) in enumerate(rows):
        h = plot * (value or 0) / peak
        x = gap + index * (bar_w + gap)
        y = top + plot - h
        bar = (f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}">'
               f'<title>{escape(label)}: {_number(value)}</title></rect>')
        if links and index < len(links) and links[index]:
            bar = f'<a href="{escape(links[index])}">{bar}</a>'
        parts.append(bar)
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" font-size="11" text-anchor="middle">'
                     f'{_number(value)}</text>')
        if count <= 16 or index % max(count // 12, 1) == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 14}" font-size="10" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<line x1="0" y1="{top + plot}" x2="{width}" y2="{top + plot}" stroke="#999"/></svg>')
    return mark_safe("".join(parts))


def meter(fraction: float | None, *, title: str, threshold: float | None = None, width: int = 240,
          height: int = 22) -> SafeString:
    """A horizontal fill for a share (0..1), red past the threshold, with the threshold marked."""
    share = min(max(fraction or 0, 0), 1)
    over = threshold is not None and fraction is not None and fraction > threshold
    colour = "#b3261e" if over else "#2e7d32"
    parts = [f'<svg class="meter" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#e6eaf0"/>',
             f'<rect x="0" y="0" width="{width * share:.1f}" height="{height}" fill="{colour}"/>']
    if threshold is not None:
        x = width * min(threshold, 1)
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#000" stroke-dasharray="3,2"/>')
    label = "–" if fraction is None else f"{fraction * 100:.1f}%"
    parts.append(f'<text x="6" y="{height - 6}" font-size="12">{label}</text></svg>')
    return mark_safe("".join(parts))
