"""Server-side SVG charts for the completeness dashboard (no JavaScript, no CDN)."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 220
CHART_WIDTH = 420
VALUE_WIDTH = 80


def percent_bars(rows, *, title: str, maximum: float = 100.0, suffix: str = "%") -> str:
    """Horizontal bars: ``rows`` are (label, value[, secondary value]) — the secondary value
    (e.g. the share of complete products) is drawn as a darker inner bar."""
    rows = list(rows)
    height = max(1, len(rows)) * (BAR_HEIGHT + GAP) + 30
    width = LABEL_WIDTH + CHART_WIDTH + VALUE_WIDTH
    scale = CHART_WIDTH / maximum if maximum else 0
    parts = []
    for index, row in enumerate(rows):
        label, value = row[0], float(row[1] or 0)
        secondary = float(row[2]) if len(row) > 2 and row[2] is not None else None
        y = 24 + index * (BAR_HEIGHT + GAP)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="label">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" class="track"/>'
                '<rect x="{}" y="{}" width="{}" height="{}" class="bar"><title>{}: {}{}</title></rect>',
                LABEL_WIDTH - 8,
                y + BAR_HEIGHT - 7,
                str(label)[:34],
                LABEL_WIDTH,
                y,
                CHART_WIDTH,
                BAR_HEIGHT,
                LABEL_WIDTH,
                y,
                f"{max(0.0, min(value, maximum)) * scale:.1f}",
                BAR_HEIGHT,
                label,
                _number(value),
                suffix,
            )
        )
        if secondary is not None:
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" class="inner"/>',
                    LABEL_WIDTH,
                    y + BAR_HEIGHT // 3,
                    f"{max(0.0, min(secondary, maximum)) * scale:.1f}",
                    BAR_HEIGHT // 3,
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" class="value">{}{}</text>',
                LABEL_WIDTH + CHART_WIDTH + 8,
                y + BAR_HEIGHT - 7,
                _number(value),
                suffix,
            )
        )
    style = (
        "<style>.label,.value,.title{font:13px sans-serif;fill:currentColor}"
        ".title{font-weight:bold}.track{fill:#eee}.bar{fill:#2e7d9a}.inner{fill:#0b3d4f}</style>"
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" viewBox="0 0 {} {}" '
        'width="100%" style="max-width:{}px">{}<text x="0" y="14" class="title">{}</text>{}</svg>',
        title,
        width,
        height,
        width,
        mark_safe(style),  # noqa: S308 (a constant)
        title,
        format_html_join("", "{}", ((part,) for part in parts)),
    )


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"
