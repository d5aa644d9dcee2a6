"""The chart geometry and the CSV rows, on the hand-made network of conftest.py."""

from __future__ import annotations

from hub.health import charts
from hub.health.exports import health_rows
from hub.health.figures import network_health
from tests.health.conftest import NOW


def test_bars_scale_to_the_tallest_and_zero_is_a_thin_line():
    chart = charts.bar_chart([("2025", 2), ("2026", 0), ("2027", 4)], width=300, height=80)
    heights = [bar.height for bar in chart.bars]
    assert heights == [40.0, 1.0, 80.0]
    assert [bar.y for bar in chart.bars] == [40.0, 79.0, 0.0]
    assert charts.bar_chart([]).bars == []


def test_share_and_sparkline():
    assert charts.share_width(3, 4) == 75.0
    assert charts.share_width(5, 4) == 100.0 and charts.share_width(1, 0) == 0.0
    assert charts.sparkline([]) == ""
    assert charts.sparkline([2]) == "1,1.0 99,1.0"
    assert charts.sparkline([0, 2]) == "1.0,23.0 99.0,1.0"


def test_the_csv_rows_hold_every_figure(health_world):
    health = network_health(health_world.network, health_world.users["Gunilla"], NOW)
    rows = {(place, figure): value for place, figure, value in health_rows(health)}
    assert rows["", "Tid till första svar, median (timmar)"] == 10.0
    assert rows["", "Andel frågor med godkänt svar (%)"] == 20
    assert rows["", "Frågor utan svar efter 7 dagar"] == 1
    assert rows["", "Dagar från överlämning till bokad träff, median"] == 19.5
    assert rows["Laholm", "Kom till Träff M2"] == 2
    page_charts = charts.page_charts(health)
    assert [bar.value for bar in page_charts["handovers"].bars] == [9, 123, 30, 105, 5]
