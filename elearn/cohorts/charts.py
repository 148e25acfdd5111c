"""Charts drawn on the server as SVG: no script to load, so they show on any phone.

The page's Content-Security-Policy forbids ``style`` attributes and scripts, so only SVG
presentation attributes are used (fill, stroke, font-size, text-anchor). Labels arrive
translated and numbers formatted by the caller (``count_label``): the same chart reads in
French or Arabic. Every element is a literal ``Markup`` template filled by ``format``,
which escapes whatever it is given: caller text cannot become markup, even through a helper
that forgot to escape it. The drawing stays
left-to-right inside an Arabic page (``direction="ltr"``): time and percent axes are
mathematical, not text, and must not mirror.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from markupsafe import Markup

WIDTH, HEIGHT = 600, 240
#: The plot area; below it the x labels, left of it room for the y labels.
LEFT, RIGHT, TOP, BASELINE = 48, 584, 24, 200
LABEL_Y = 220
#: Room between the y axis and the first and last points of a timeline.
INSET = 8
BAR_COLOUR = "#0b5d4b"
AXIS_COLOUR = "#d6dbe3"
TEXT_COLOUR = "#5a6474"
FONT_SIZE = 12
_NOT_ID = re.compile(r"[^a-z0-9]+")


def histogram_svg(
    values: list[int | float],
    *,
    chart_id: str,
    title: str,
    desc: str,
    bins: int = 10,
    bucket_labels: list[str] | None = None,
    count_label: Callable[[int], str] = str,
) -> Markup:
    """How many trainees stand at each stage of progress: one bar per bucket of percents.

    Buckets are equal slices of 0-100 and 100 belongs to the last one ("90–100"); values
    outside 0-100 are clamped to it and NaN is skipped. Bars are scaled to the fullest
    bucket; an empty bucket has its count and label but no bar, so an empty cohort still
    draws the axes. Each bucket is a ``<g class="bar">`` whose ``<title>`` is its tooltip.
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    labels = _percent_ranges(bins) if bucket_labels is None else list(bucket_labels)
    if len(labels) != bins:
        raise ValueError(f"bucket_labels needs {bins} labels, got {len(labels)}")
    counts = _bucket_counts(values, bins)
    fullest = max(counts)
    slot = (RIGHT - LEFT) / bins
    parts = [*_open(chart_id, title, desc), *_axes()]
    for index, (label, count) in enumerate(zip(labels, counts, strict=True)):
        height = (BASELINE - TOP) * count / fullest if fullest else 0
        centre = LEFT + slot * (index + 0.5)
        parts.append(_bar(centre, slot * 0.7, height, label, count_label(count)))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def timeline_svg(
    points: list[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    desc: str,
    count_label: Callable[[int], str] = str,
) -> Markup:
    """Completions over time: a line through (date label, count) points in time order.

    Always a line, never bars for short series (a chart changing kind with the amount of
    data reads as a different chart): one point is a lone marker, since a line needs two.
    The y axis runs from 0 to the largest value (negative values are drawn at 0); only the
    first and last dates are written, so thirty days stay legible on a phone, and every
    marker has a ``<title>`` with its date and count. No points: the axes alone.
    """
    parts = [*_open(chart_id, title, desc), *_axes()]
    if points:
        top = max(0, *(value for _label, value in points))
        coords = [(_x(i, len(points)), _y(value, top)) for i, (_label, value) in enumerate(points)]
        parts += _y_labels(top, count_label)  # the gridline first, under the line
        if len(coords) > 1:
            line = " ".join(f"{_n(x)},{_n(y)}" for x, y in coords)
            parts.append(
                Markup(
                    '<polyline class="line" points="{line}" fill="none" stroke="{colour}" '
                    'stroke-width="2" stroke-linejoin="round"/>'
                ).format(line=line, colour=BAR_COLOUR)
            )
        for (label, value), (x, y) in zip(points, coords, strict=True):
            parts.append(
                Markup(
                    '<circle class="point" cx="{x}" cy="{y}" r="3" fill="{colour}">'
                    "<title>{label}: {count}</title></circle>"
                ).format(x=_n(x), y=_n(y), colour=BAR_COLOUR, label=label, count=count_label(value))
            )
        parts += _x_labels(points, coords)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _safe_id(chart_id: str) -> str:
    """``[a-z0-9-]`` only: ``aria-labelledby`` is a space-separated list of these ids, and a
    space or a quote in one would break it."""
    return _NOT_ID.sub("-", chart_id.lower()).strip("-") or "chart"


def _open(chart_id: str, title: str, desc: str) -> list[Markup]:
    ident = _safe_id(chart_id)
    return [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            'aria-labelledby="{ident}-title {ident}-desc" class="chart" width="100%" '
            'direction="ltr" font-size="{size}">'
        ).format(width=WIDTH, height=HEIGHT, ident=ident, size=FONT_SIZE),
        Markup('<title id="{ident}-title">{title}</title>').format(ident=ident, title=title),
        Markup('<desc id="{ident}-desc">{desc}</desc>').format(ident=ident, desc=desc),
    ]


def _axes() -> list[Markup]:
    return [
        _line("axis", (LEFT, TOP), (LEFT, BASELINE)),
        _line("axis", (LEFT, BASELINE), (RIGHT, BASELINE)),
    ]


def _line(kind: str, start: tuple[float, float], end: tuple[float, float]) -> Markup:
    dashes = Markup(' stroke-dasharray="4 4"') if kind == "grid" else Markup("")
    return Markup(
        '<line class="{kind}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}"{dashes}/>'
    ).format(
        kind=kind,
        x1=_n(start[0]),
        y1=_n(start[1]),
        x2=_n(end[0]),
        y2=_n(end[1]),
        colour=AXIS_COLOUR,
        dashes=dashes,
    )


def _bar(centre: float, width: float, height: float, label: str, count: str) -> Markup:
    parts = [
        Markup('<g class="bar"><title>{label}: {count}</title>').format(label=label, count=count)
    ]
    if height > 0:
        parts.append(
            Markup(
                '<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{colour}"/>'
            ).format(
                x=_n(centre - width / 2),
                y=_n(BASELINE - height),
                width=_n(width),
                height=_n(height),
                colour=BAR_COLOUR,
            )
        )
    parts.append(_text(centre, BASELINE - height - 4, count))
    parts.append(_text(centre, LABEL_Y, label))
    parts.append(Markup("</g>"))
    return Markup("").join(parts)


def _y_labels(top: int, count_label: Callable[[int], str]) -> list[Markup]:
    parts = [_text(LEFT - 6, BASELINE + 4, count_label(0), "end")]
    if top > 0:
        parts.append(_line("grid", (LEFT, TOP), (RIGHT, TOP)))
        parts.append(_text(LEFT - 6, TOP + 4, count_label(top), "end"))
    return parts


def _x_labels(points: list[tuple[str, int]], coords: list[tuple[float, float]]) -> list[Markup]:
    """First and last dates, anchored inwards so that neither overflows the drawing."""
    if len(points) == 1:
        return [_text(coords[0][0], LABEL_Y, points[0][0])]
    return [
        _text(coords[0][0], LABEL_Y, points[0][0], "start"),
        _text(coords[-1][0], LABEL_Y, points[-1][0], "end"),
    ]


def _text(x: float, y: float, content: str, anchor: str = "middle") -> Markup:
    return Markup(
        '<text x="{x}" y="{y}" fill="{colour}" text-anchor="{anchor}">{content}</text>'
    ).format(x=_n(x), y=_n(y), colour=TEXT_COLOUR, anchor=anchor, content=content)


def _percent_ranges(bins: int) -> list[str]:
    """Whole percents, each bucket ending just before the next begins: "0–9" … "90–100"."""
    starts = [math.ceil(100 * i / bins) for i in range(bins)]
    ends = [start - 1 for start in starts[1:]] + [100]
    return [f"{start}\u2013{end}" for start, end in zip(starts, ends, strict=True)]


def _bucket_counts(values: list[int | float], bins: int) -> list[int]:
    counts = [0] * bins
    for value in values:
        number = float(value)
        if math.isnan(number):
            continue
        clamped = min(max(number, 0.0), 100.0)
        counts[min(bins - 1, int(clamped * bins // 100))] += 1
    return counts


def _x(index: int, total: int) -> float:
    if total == 1:
        return (LEFT + RIGHT) / 2
    return LEFT + INSET + (RIGHT - LEFT - 2 * INSET) * index / (total - 1)


def _y(value: int | float, top: int | float) -> float:
    if top <= 0:
        return BASELINE
    return BASELINE - (BASELINE - TOP) * max(value, 0) / top


def _n(number: float) -> str:
    """Coordinates with two decimals at most: "120", "37.5", never "37.50000000001"."""
    return f"{number:.2f}".rstrip("0").rstrip(".")
