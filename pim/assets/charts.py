"""Charts for the admin drawn on the server as inline SVG (no JavaScript, no CDN)."""

from datetime import date

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe


def nice_maximum(peak: float, ticks: int = 5) -> int:
    """The smallest round axis maximum (ticks × 1, 2 or 5 × 10^n) at or above ``peak``."""
    power = 1
    while True:
        for mantissa in (1, 2, 5):
            if mantissa * power * ticks >= peak:
                return mantissa * power * ticks
        power *= 10


def daily_bar_chart(
    series: list[tuple[date, int]], *, title: str, width: int = 720, height: int = 220, average_days: int = 7
) -> str:
    """Bars per day plus a moving average (the trend). Accessible: has a title, a
    description, and each bar a tooltip with its value."""
    left, right, top, bottom = 40, 10, 14, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _d, v in series]
    peak = max(values + [1])
    scale_max = nice_maximum(peak)
    n = max(len(series), 1)
    bar_w = plot_w / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" class="pim-chart">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(6):
        value = scale_max * i / 5
        y = top + plot_h - plot_h * i / 5
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>'
            f'<text x="{left - 4}" y="{y + 3:.1f}" font-size="10" text-anchor="end" fill="#555">{value:.0f}</text>'
        )
    for index, (day, value) in enumerate(series):
        h = plot_h * value / scale_max
        x = left + index * bar_w
        label = escape(f"{date_format(day, 'SHORT_DATE_FORMAT')}: {value}")
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{max(bar_w - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="#2e6da4"><title>{label}</title></rect>'
        )
        if index % max(n // 6, 1) == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - 10}" font-size="10" text-anchor="middle" '
                f'fill="#555">{escape(date_format(day, "d.m."))}</text>'
            )
    averages = []
    for index in range(len(values)):
        window = values[max(0, index - average_days + 1) : index + 1]
        averages.append(sum(window) / len(window))
    if averages:
        points = " ".join(
            f"{left + (i + 0.5) * bar_w:.1f},{top + plot_h - plot_h * a / scale_max:.1f}"
            for i, a in enumerate(averages)
        )
        parts.append(f'<polyline points="{points}" fill="none" stroke="#e07b00" stroke-width="2"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text inside is escaped above
