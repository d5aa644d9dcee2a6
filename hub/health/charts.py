"""The geometry of the health page's small SVG charts, drawn on the server.

No JavaScript and no library: a bar is a rectangle and a sparkline a polyline, laid out here and
written by the templates in ``health/_charts.html``. The charts only show what the numbers beside
them and the tables say, so screen readers read the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]


def bar_chart(
    values: Sequence[tuple[str, float]], *, width: int = 240, height: int = 80, gap: int = 6
) -> BarChart:
    """Vertical bars side by side, the tallest reaching the top; zero shows as a thin line."""
    if not values:
        return BarChart(width, height, [])
    top = max(value for _, value in values) or 1
    slot = width / len(values)
    bars = []
    for i, (label, value) in enumerate(values):
        bar_height = max(1.0, height * value / top)
        bars.append(
            Bar(
                label=label,
                value=value,
                x=round(i * slot + gap / 2, 1),
                y=round(height - bar_height, 1),
                width=round(max(slot - gap, 1), 1),
                height=round(bar_height, 1),
            )
        )
    return BarChart(width, height, bars)


def share_width(part: int, whole: int, width: int = 100) -> float:
    """The length of a horizontal bar showing ``part`` of ``whole``."""
    if whole <= 0:
        return 0.0
    return round(width * min(part, whole) / whole, 1)


def sparkline(values: Sequence[float], *, width: int = 100, height: int = 24) -> str:
    """The ``points`` of a polyline through the values, left to right, with a pixel's margin."""
    if not values:
        return ""
    top = max(values) or 1
    if len(values) == 1:
        y = round(height - 1 - (height - 2) * values[0] / top, 1)
        return f"1,{y} {width - 1},{y}"
    step = (width - 2) / (len(values) - 1)
    return " ".join(
        f"{round(1 + i * step, 1)},{round(height - 1 - (height - 2) * v / top, 1)}"
        for i, v in enumerate(values)
    )


def page_charts(health) -> dict[str, BarChart]:
    """The network-wide charts of the health page (``health`` is a ``NetworkHealth``)."""
    return {
        "years": bar_chart([(str(year), count) for year, count in health.meetings_per_year]),
        "handovers": bar_chart(
            [(h.passed_at.strftime("%y-%m"), h.waited_days) for h in health.handovers],
            width=max(240, 40 * len(health.handovers)),
        ),
    }
