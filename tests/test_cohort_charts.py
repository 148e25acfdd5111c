"""Server-side SVG charts: well-formed, accessible, escaped, and drawn to scale."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from elearn.cohorts.charts import histogram_svg, timeline_svg

SVG = "{http://www.w3.org/2000/svg}"
NS = {"svg": SVG[1:-1]}
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def parse(markup) -> ET.Element:
    # our own output, parsed to prove it well-formed: raises otherwise
    return ET.fromstring(str(markup))  # noqa: S314


def bars(root: ET.Element) -> list[ET.Element]:
    return root.findall("svg:g[@class='bar']", NS)


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.findall("svg:text", NS)]


def histogram(values, **kwargs) -> ET.Element:
    kwargs.setdefault("chart_id", "progress")
    kwargs.setdefault("title", "Progression")
    kwargs.setdefault("desc", "Répartition des stagiaires")
    return parse(histogram_svg(values, **kwargs))


def timeline(points, **kwargs) -> ET.Element:
    return parse(timeline_svg(points, chart_id="done", title="Leçons", desc="Cumul", **kwargs))


def test_one_bar_per_bucket_labelled_by_percent_range():
    root = histogram([5, 15, 95])
    assert len(bars(root)) == 10
    labels = [texts(g)[-1] for g in bars(root)]
    assert labels[0] == "0–9" and labels[1] == "10–19" and labels[-1] == "90–100"
    assert len(bars(histogram([5], bins=4))) == 4
    assert [texts(g)[-1] for g in bars(histogram([5], bins=4))] == [
        "0–24",
        "25–49",
        "50–74",
        "75–100",
    ]


def test_bar_heights_are_proportional_and_the_tallest_is_the_fullest_bucket():
    # counts per bucket: 0–9 → 1, 10–19 → 2, 20–29 → 4, 90–100 → 1
    root = histogram([5, 12, 19, 20, 25, 25, 29, 99])
    heights = []
    for g in bars(root):
        rect = g.find("svg:rect", NS)
        heights.append(float(rect.get("height")) if rect is not None else 0.0)
    assert heights.index(max(heights)) == 2
    assert [round(h / max(heights), 3) for h in heights] == [
        0.25, 0.5, 1.0, 0, 0, 0, 0, 0, 0, 0.25,
    ]  # fmt: skip


def test_counts_are_written_above_bars_and_in_tooltips_in_the_caller_digits():
    root = histogram([5, 12, 19], count_label=lambda n: str(n).translate(ARABIC_DIGITS))
    first, second = bars(root)[:2]
    assert texts(first)[0] == "١" and texts(second)[0] == "٢"
    assert first.find("svg:title", NS).text == "0–9: ١"
    assert bars(root)[5].find("svg:title", NS).text == "50–59: ٠"


def test_100_lands_in_the_last_bucket():
    root = histogram([100, 100, 90])
    last = bars(root)[-1]
    assert last.find("svg:rect", NS) is not None and texts(last)[0] == "3"
    assert all(g.find("svg:rect", NS) is None for g in bars(root)[:-1])


def test_no_values_draws_axes_and_labels_but_no_bar():
    root = histogram([])
    assert len(bars(root)) == 10
    assert root.findall(".//svg:rect", NS) == []
    assert [texts(g) for g in bars(root)][0] == ["0", "0–9"]
    assert len(root.findall("svg:line", NS)) == 2


def test_custom_bucket_labels_must_match_the_bins():
    root = histogram([50], bins=2, bucket_labels=["Début", "Fin"])
    assert [texts(g)[-1] for g in bars(root)] == ["Début", "Fin"]
    with pytest.raises(ValueError):
        histogram([50], bins=3, bucket_labels=["Début", "Fin"])


def test_caller_text_is_escaped_and_round_trips():
    evil = "<script>alert(1)</script> & co"
    markup = histogram_svg(
        [50],
        chart_id="x",
        title=evil,
        desc="R&D <b>",
        bins=2,
        bucket_labels=[evil, "a & b"],
        count_label=lambda n: f"<i>{n}</i>",
    )
    assert "<script" not in str(markup) and "<i>" not in str(markup)
    root = parse(markup)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert root.find("svg:title", NS).text == evil
    assert root.find("svg:desc", NS).text == "R&D <b>"
    assert texts(bars(root)[0]) == ["<i>0</i>", evil]
    assert bars(root)[1].find("svg:title", NS).text == "a & b: <i>1</i>"
    marked = parse(timeline_svg([(evil, 1)], chart_id="t", title=evil, desc=evil))
    assert marked.find("svg:circle/svg:title", NS).text == f"{evil}: 1"


@pytest.mark.parametrize(
    "markup",
    [
        histogram_svg([10, 50, 100], chart_id="h", title="t", desc="d"),
        histogram_svg([], chart_id="h", title="t", desc="d"),
        timeline_svg([], chart_id="t", title="t", desc="d"),
        timeline_svg([(f"{d} avr.", d) for d in range(30)], chart_id="t", title="t", desc="d"),
    ],
)
def test_no_style_no_script_and_labelled_for_screen_readers(markup):
    root = parse(markup)
    assert all("style" not in el.attrib for el in root.iter())
    assert not [el for el in root.iter() if el.tag in {f"{SVG}style", f"{SVG}script"}]
    assert not [el for el in root.iter() if any("href" in name for name in el.attrib)]
    assert root.get("role") == "img" and root.get("direction") == "ltr"
    assert root.get("class") == "chart" and root.get("width") == "100%"
    ids = {el.get("id"): el.tag for el in root.iter() if el.get("id")}
    title_id, desc_id = root.get("aria-labelledby").split()
    assert ids[title_id] == f"{SVG}title" and ids[desc_id] == f"{SVG}desc"


def test_chart_id_is_sanitised():
    root = parse(histogram_svg([], chart_id='Progress "Chart" <1>', title="t", desc="d"))
    assert root.get("aria-labelledby") == "progress-chart-1-title progress-chart-1-desc"
    assert root.find("svg:title", NS).get("id") == "progress-chart-1-title"
    arabic = parse(timeline_svg([], chart_id="تقدم", title="t", desc="d"))
    assert arabic.find("svg:desc", NS).get("id") == "chart-desc"


def test_timeline_without_points_draws_only_the_axes():
    root = timeline([])
    assert len(root.findall("svg:line", NS)) == 2
    assert root.find("svg:polyline", NS) is None and root.find("svg:circle", NS) is None


def test_timeline_with_one_point_is_a_lone_marker():
    root = timeline([("3 mars", 4)])
    assert root.find("svg:polyline", NS) is None
    [marker] = root.findall("svg:circle", NS)
    assert marker.find("svg:title", NS).text == "3 mars: 4"
    assert "3 mars" in texts(root) and "4" in texts(root)


def test_timeline_with_two_points_draws_a_line_between_them():
    root = timeline([("3 mars", 1), ("4 mars", 3)])
    line = root.find("svg:polyline", NS).get("points").split()
    markers = root.findall("svg:circle", NS)
    assert len(line) == 2 and len(markers) == 2
    assert [f"{m.get('cx')},{m.get('cy')}" for m in markers] == line
    assert {"3 mars", "4 mars", "3"} <= set(texts(root))


def test_timeline_of_thirty_days_writes_first_and_last_dates_and_the_maximum():
    points = [(f"{day} avr.", 2 * day) for day in range(1, 31)]
    root = timeline(points, count_label=lambda n: str(n).translate(ARABIC_DIGITS))
    markers = root.findall("svg:circle", NS)
    assert len(markers) == 30
    assert len(root.find("svg:polyline", NS).get("points").split()) == 30
    dates = [t for t in texts(root) if "avr." in t]
    assert dates == ["1 avr.", "30 avr."]
    assert "٦٠" in texts(root)  # the maximum, 60, on the y axis
    assert markers[-1].find("svg:title", NS).text == "30 avr.: ٦٠"
    xs = [float(m.get("cx")) for m in markers]
    ys = [float(m.get("cy")) for m in markers]
    assert xs == sorted(xs) and ys == sorted(ys, reverse=True)  # rising to the right
    assert ys[-1] == min(ys) and ys[-1] < ys[0]


def test_timeline_of_zeros_stays_on_the_baseline():
    root = timeline([("1 avr.", 0), ("2 avr.", 0), ("3 avr.", 0)])
    assert len({m.get("cy") for m in root.findall("svg:circle", NS)}) == 1
