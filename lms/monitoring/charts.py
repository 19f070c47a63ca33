"""Accessible SVG charts for the cohort dashboard, in the manner of lms.exams.statistics.histogram_svg:
role="img" with a <title>, a <desc> and an aria-label that carry every figure, presentation attributes and
class names only (no style: the CSP forbids inline styles), every text escaped and translated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from flask_babel import ngettext

from lms.exams.statistics import bin_counts

_WIDTH, _HEIGHT = 640, 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 40, 56
_PLOT_W, _PLOT_H = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
_BAR_FILL = "#2f6690"


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _percent_text(value: float) -> str:
    return f"{value:.0f} %"


@dataclass(frozen=True)
class _Bar:
    value: float
    text: str  # shown above the bar
    tooltip: str
    label: str = ""  # shown under the bar (when the x axis is not a scale of edges)


def _chart(*, css_class: str, heading: str, summary: str, bars: Sequence[_Bar], y_max: float,
           y_ticks: Sequence[tuple[float, str]], x_title: str, y_title: str, edges: Sequence[str] = (),
           empty_text: str = "") -> str:
    base = _TOP + _PLOT_H
    count = max(len(bars), 1)
    bar_w = _PLOT_W / count
    gap = min(8.0, bar_w / 4)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg {css_class}" role="img" '
        f'width="{_WIDTH}" height="{_HEIGHT}" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'aria-label="{_attr(heading + ". " + summary)}" font-family="sans-serif" font-size="12" '
        f'fill="currentColor">',
        f"<title>{escape(heading)}</title>",
        f"<desc>{escape(summary)}</desc>",
        f'<text class="chart-title" x="{_WIDTH / 2:g}" y="22" text-anchor="middle" font-size="15" '
        f'font-weight="bold">{escape(heading)}</text>',
    ]
    for value, text in y_ticks:
        y = base - _PLOT_H * value / y_max if y_max else base
        out.append(f'<line class="grid" x1="{_LEFT}" y1="{_num(y)}" x2="{_LEFT + _PLOT_W}" y2="{_num(y)}" '
                   f'stroke="currentColor" stroke-opacity="0.15" stroke-width="1"/>')
        out.append(f'<text class="axis-label" x="{_LEFT - 6}" y="{_num(y + 4)}" text-anchor="end">'
                   f"{escape(text)}</text>")
    out.append(f'<line class="axis" x1="{_LEFT}" y1="{base}" x2="{_LEFT + _PLOT_W}" y2="{base}" '
               f'stroke="currentColor" stroke-width="1"/>')
    out.append(f'<line class="axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{base}" '
               f'stroke="currentColor" stroke-width="1"/>')
    for i, text in enumerate(edges):
        x = _LEFT + i * _PLOT_W / max(len(edges) - 1, 1)
        out.append(f'<line class="tick" x1="{_num(x)}" y1="{base}" x2="{_num(x)}" y2="{base + 4}" '
                   f'stroke="currentColor" stroke-width="1"/>')
        out.append(f'<text class="axis-label" x="{_num(x)}" y="{base + 18}" text-anchor="middle">'
                   f"{escape(text)}</text>")
    out.append(f'<text class="axis-title" x="{_num(_LEFT + _PLOT_W / 2)}" y="{_HEIGHT - 10}" '
               f'text-anchor="middle">{escape(x_title)}</text>')
    y_mid = _TOP + _PLOT_H / 2
    out.append(f'<text class="axis-title" x="14" y="{_num(y_mid)}" text-anchor="middle" '
               f'transform="rotate(-90 14 {_num(y_mid)})">{escape(y_title)}</text>')
    if not bars:
        out.append(f'<text class="empty" x="{_num(_LEFT + _PLOT_W / 2)}" y="{_num(y_mid)}" '
                   f'text-anchor="middle">{escape(empty_text)}</text>')
    for i, bar in enumerate(bars):
        height = _PLOT_H * bar.value / y_max if y_max else 0.0
        x = _LEFT + i * bar_w + gap / 2
        y = base - height
        centre = x + (bar_w - gap) / 2
        out.append(f'<rect class="bar" x="{_num(x)}" y="{_num(y)}" width="{_num(bar_w - gap)}" '
                   f'height="{_num(height)}" fill="{_BAR_FILL}"><title>{escape(bar.tooltip)}</title></rect>')
        out.append(f'<text class="count" x="{_num(centre)}" y="{_num(y - 5)}" text-anchor="middle">'
                   f"{escape(bar.text)}</text>")
        if bar.label:
            out.append(f'<text class="axis-label" x="{_num(centre)}" y="{base + 18}" text-anchor="middle">'
                       f"{escape(bar.label)}</text>")
    out.append("</svg>")
    return "\n".join(out)


def week_means(rows, weeks: int) -> list[float]:
    """The mean, over the trainees, of the percent of each week's lessons done (week 1 first)."""
    means = []
    for week in range(1, weeks + 1):
        percents = [w.percent for row in rows for w in row.weeks if w.week == week]
        means.append(sum(percents) / len(percents) if percents else 0.0)
    return means


def progress_by_week_svg(rows, weeks: int) -> str:
    """A bar per distance week: the mean percent of that week's lessons done across the cohort."""
    rows = list(rows)
    heading = _("Distance progress by week")
    if not rows:
        summary, bars = _("No trainees enrolled yet."), []
    else:
        means = week_means(rows, weeks)
        parts = [_("Week %(n)d: %(percent)s", n=n, percent=_percent_text(m)) for n, m in enumerate(means, start=1)]
        summary = ngettext("Mean of %(num)d trainee", "Mean of %(num)d trainees", len(rows)) + ". " + "; ".join(parts)
        bars = [_Bar(m, _percent_text(m), part, label=_("Week %(n)d", n=n))
                for n, (m, part) in enumerate(zip(means, parts, strict=True), start=1)]
    return _chart(css_class="progress-chart", heading=heading, summary=summary, bars=bars, y_max=100,
                  y_ticks=[(v, f"{v} %") for v in (0, 25, 50, 75, 100)], x_title=_("Week"),
                  y_title=_("Lessons done"), empty_text=_("No trainees enrolled yet."))


def _edge(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


def score_distribution_svg(values: Sequence[float | None], title: str, bins: int = 10) -> str:
    """How many trainees scored in each tenth of 0–100 % (trainees without a score are left out)."""
    percents = [v for v in values if v is not None]
    edges = [100 * i / bins for i in range(bins + 1)]
    labels = [_edge(e) for e in edges]
    labels[-1] += " %"
    if not percents:
        summary = _("No scores yet.")
        bars: list[_Bar] = []
        tallest = 1
    else:
        counts = bin_counts(percents, bins)
        tallest = max(counts)
        ranges = [f"{_edge(edges[i])}–{_edge(edges[i + 1])} %" for i in range(bins)]
        parts = [f"{r}: {c}" for r, c in zip(ranges, counts, strict=True)]
        summary = ngettext("%(num)d trainee with a score", "%(num)d trainees with a score",
                           len(percents)) + ". " + "; ".join(parts)
        bars = [_Bar(c, str(c), part) for c, part in zip(counts, parts, strict=True)]
    step = max(1, -(-tallest // 4))  # at most five ticks, whole numbers
    ticks = [(v, str(v)) for v in range(0, tallest + step, step)]
    y_max = ticks[-1][0] or 1
    return _chart(css_class="score-chart", heading=title, summary=summary, bars=bars, y_max=y_max,
                  y_ticks=ticks, x_title=_("Score"), y_title=_("Trainees"), edges=labels,
                  empty_text=_("No scores yet."))
