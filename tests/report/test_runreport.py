"""The run report's HTML structure (parsed, not pixels), built from a real run's ``report.json``.

``pagila_cutover_report.json`` was written by the approved-cutover DAG test on Pagila (PostgreSQL
into PostgreSQL, a writer changing the source meanwhile); tests change copies of it to show
failures (a differing table, review items of every kind) the real run did not have.
"""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from roachlift.runreport import (
    PHASES,
    RunReport,
    StepStat,
    history_entry,
    lag_chart_svg,
    nice_ticks,
    read_history,
    render_html,
    write_report,
)

FIXTURE = Path(__file__).with_name("pagila_cutover_report.json")


class Node:
    """An element of the parsed page."""

    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.texts: list[str] = []

    @property
    def text(self) -> str:
        """All text inside, children included."""
        parts = list(self.texts)
        for c in self.children:
            parts.append(c.text)
        return " ".join(p for p in parts if p.strip())

    def iter(self, tag: str | None = None) -> list[Node]:
        out = [self] if tag in (None, self.tag) else []
        for c in self.children:
            out += c.iter(tag)
        return out

    def find(self, tag: str, **attrs: str) -> list[Node]:
        return [n for n in self.iter(tag) if all(attrs[k] in (n.attrs.get(k) or "").split() for k in attrs)]

    def by_id(self, ident: str) -> Node:
        found = [n for n in self.iter() if n.attrs.get("id") == ident]
        assert len(found) == 1, f"#{ident}: {len(found)} elements"
        return found[0]


VOID = {"meta", "br", "img", "input", "link", "hr"}  # SVG elements close with "/>"


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.cur.children.append(Node(tag, dict(attrs), self.cur))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.cur = node.parent

    def handle_data(self, data: str) -> None:
        self.cur.texts.append(data)


def parse(page: str) -> Node:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.cur is builder.root, f"unclosed <{builder.cur.tag}>"
    return builder.root


def rows_of(table: Node) -> list[list[str]]:
    return [[td.text.strip() for td in tr.iter("td")] for tr in table.iter("tr") if tr.iter("td")]


@pytest.fixture
def data() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def render(data: dict[str, Any], history: list[dict[str, Any]] | None = None) -> Node:
    report = RunReport.from_json(data)
    return parse(render_html(report, data["history"] if history is None else history))


def test_summary_card_has_outcome_totals_and_read_only_window(data: dict[str, Any]) -> None:
    page = render(data)
    card = page.by_id("summary")
    outcome = card.find("span", **{"class": "outcome"})[0]
    assert outcome.text == "cut over" and "good" in (outcome.attrs["class"] or "")
    figures = {n.attrs["data-figure"]: n.text for n in card.iter("b") if n.attrs.get("data-figure")}
    loaded = sum(s["rows"] for s in data["steps"] if s["step"] == "load")
    assert loaded == 46273
    assert figures["rows"] == "46,273"
    assert figures["verify"] == "✓ 15/15"
    assert figures["read-only"] == f"{data['read_only_seconds']:.1f} s"
    assert (
        figures["mb-dumped"] == f"{sum(s['bytes'] for s in data['steps'] if s['step'] == 'dump') / 1e6:,.2f}"
    )
    assert "threshold 5.0 s" in card.text
    # the prediction beside the actual: the phases it covers, and per phase (each verify pass)
    assert "predicted" in card.find("b", **{"data-figure": "estimate"})[0].parent.text  # type: ignore[union-attr]
    predicted = {
        tr.attrs["data-phase"]: [td.text for td in tr.iter("td")][5]
        for tr in card.by_id("phases").iter("tr")
        if tr.attrs.get("data-phase")
    }
    assert predicted["dump"] and predicted["load"] and predicted["verify"] == predicted["verify_final"] != ""
    assert predicted["schema"] == ""


def test_max_lag_card_agrees_with_the_cutover_cdc_totals(data: dict[str, Any]) -> None:
    """The sensor's lag samples can all read 0.0 while the drain after the freeze saw 0.202 s: the
    card, the history and report.json's ``cdc.max_lag_seconds`` must say the same highest lag."""
    data = copy.deepcopy(data)
    assert max(s[1] for s in data["lag_samples"]) == 0.0
    data["cdc"] = {"changes_applied": 12, "max_lag_seconds": 0.202}
    figures = {
        n.attrs["data-figure"]: n.text
        for n in render(data).by_id("summary").iter("b")
        if n.attrs.get("data-figure")
    }
    assert figures["max-lag"] == "0.20 s"
    assert history_entry(RunReport.from_json(data))["max_lag_seconds"] == 0.202
    data["lag_samples"].append([data["lag_samples"][-1][0] + 1, 12.5, "cdc_catch_up"])
    figures = {
        n.attrs["data-figure"]: n.text
        for n in render(data).by_id("summary").iter("b")
        if n.attrs.get("data-figure")
    }
    assert figures["max-lag"] == "12.5 s"


def test_a_resumed_load_is_rated_by_the_rows_that_try_sent(data: dict[str, Any]) -> None:
    """A load that continued after 900 of 1,000 rows in 1 s moved 100 rows/s, not 1,000."""
    data = copy.deepcopy(data)
    load = next(s for s in data["steps"] if s["step"] == "load")
    load.update(rows=1000, seconds=1.0, resumed_rows=900, detail="continued after 900 rows committed earlier")
    assert RunReport.from_json(data).to_json()["steps"][data["steps"].index(load)]["rows_per_s"] == 100.0
    page = render(data)
    row = next(tr for tr in page.by_id("tables").iter("tr") if load["table"] in tr.text)
    assert "100" in [td.text for td in row.iter("td")] and "continued after 900 rows" in row.text


def test_phase_table_labels_the_two_verify_and_cdc_passes_apart(data: dict[str, Any]) -> None:
    table = render(data).by_id("phases")
    phases = {tr.attrs["data-phase"]: tr.text for tr in table.iter("tr") if tr.attrs.get("data-phase")}
    assert {"dump", "load", "verify", "verify_final", "cdc_catch_up", "cdc_drain"} <= set(phases)
    assert phases["verify"].startswith(PHASES["verify"]) and "pass 1" in phases["verify"]
    assert phases["verify_final"].startswith(PHASES["verify_final"]) and "pass 2" in phases["verify_final"]
    assert PHASES["cdc_drain"] != PHASES["cdc_catch_up"]
    # the two verify passes each appear once, with their own heading
    headings = [h.text for h in render(data).find("h3", **{"class": "verify-pass"})]
    assert len(headings) == 2 and "pass 1" in headings[0] and "pass 2" in headings[1]


def test_verify_marks_each_table_and_shows_the_first_differing_keys(data: dict[str, Any]) -> None:
    bad = copy.deepcopy(data)
    rental = next(t for t in bad["verify_passes"]["verify_final"] if t["table"] == "public.rental")
    rental.update(
        ok=False,
        missing=2,
        missing_sample=[[42], [43]],
        mismatched=1,
        mismatched_sample=[{"key": [7], "columns": ["return_date"]}],
        mismatched_columns={"return_date": 1},
    )
    page = render(bad)
    final = page.find("table", **{"class": "verify-table"})[1]
    cells = {row[1]: row for row in rows_of(final)}
    assert cells["public.rental"][0] == "✗"
    assert "missing [42]" in cells["public.rental"][7] and "mismatched [7]" in cells["public.rental"][7]
    assert "return_date (1)" in cells["public.rental"][7]
    assert cells["public.actor"][0] == "✓"
    assert not any(cell in {"True", "False"} for row in rows_of(final) for cell in row)
    assert "✗ 14 of 15 tables equal" in page.find("h3", **{"class": "verify-pass"})[1].text


def test_dump_and_load_mb_are_explained_per_table(data: dict[str, Any]) -> None:
    page = render(data)
    note = page.by_id("data").find("p", **{"class": "note"})[0].text
    assert "compress" in note and "uncompressed" in note
    rows = {r[0]: r for r in rows_of(page.by_id("tables"))}
    rental = rows["public.rental"]
    dump = next(s for s in data["steps"] if s["step"] == "dump" and s["table"] == "public.rental")
    load = next(s for s in data["steps"] if s["step"] == "load" and s["table"] == "public.rental")
    assert rental[2] == f"{dump['bytes'] / 1e6:,.2f}" and rental[6] == f"{load['bytes'] / 1e6:,.2f}"
    assert rental[7] == f"{load['bytes'] / dump['bytes']:.1f}x"


def test_lag_chart_has_axes_units_threshold_and_every_sample(data: dict[str, Any]) -> None:
    samples = [
        (1000.0 + i * 7.5, lag, phase)
        for i, (lag, phase) in enumerate(
            [
                (12.0, "cdc_catch_up"),
                (6.5, "cdc_catch_up"),
                (3.0, "cdc_catch_up"),
                (1.0, "verify"),
                (0.0, "cdc_drain"),
            ]
        )
    ]
    svg = parse(lag_chart_svg(samples, threshold=5.0)).iter("svg")[0]
    assert len(svg.iter("circle")) == len(samples)
    texts = [t.text for t in svg.iter("text")]
    assert "lag (s)" in texts and any(t.startswith("seconds since the first sample") for t in texts)
    assert "threshold 5 s" in texts
    threshold = svg.find("line", **{"class": "threshold"})
    assert len(threshold) == 1
    # the threshold line sits at 5 s on the y axis: between the ticks for 4 and 6 (or at 5)
    ticks = {
        float(t.text): float(t.attrs["y"] or 0) - 4
        for t in svg.find("text", **{"class": "tick"})
        if t.attrs.get("text-anchor") == "end"
    }
    top, bottom = ticks[max(ticks)], ticks[0.0]
    y5 = bottom - (bottom - top) * 5.0 / max(ticks)
    assert abs(float(threshold[0].attrs["y1"] or 0) - y5) < 0.2
    titles = [c.iter("title")[0].text for c in svg.iter("circle")]
    assert "lag 12.0 s (catch-up (source written))" in titles[0] and "drain" in titles[-1]


def test_no_lag_samples_says_so() -> None:
    assert "No CDC lag samples" in lag_chart_svg([])


def test_history_trend_charts_over_earlier_runs(data: dict[str, Any]) -> None:
    this = data["history"][-1]
    earlier = [
        {
            **this,
            "run_id": f"r{i}",
            "total_seconds": 90.0 - i * 20,
            "rows_per_s": 5000.0 + i * 1000,
            "max_lag_seconds": 3.0,
        }
        for i in range(3)
    ]
    page = render(data, [*earlier, this])
    section = page.by_id("history")
    charts = section.find("svg", **{"class": "trend"})
    assert [c.attrs["aria-label"] for c in charts] == [
        "Duration over 4 runs",
        "Throughput over 4 runs",
        "Max CDC lag over 4 runs",
    ]
    assert all(len(c.iter("circle")) == 4 for c in charts[:2])
    assert len(charts[0].iter("polyline")) == 1
    rows = rows_of(section.by_id("history-table"))
    assert [r[1] for r in rows] == ["r0", "r1", "r2", this["run_id"]]


def test_review_items_grouped_by_severity_and_effort(data: dict[str, Any]) -> None:
    data["review_items"] += [
        {
            "severity": "manual",
            "code": "manual",
            "object": "view sales_by_store",
            "message": "uses CONNECT BY",
        },
        {"severity": "error", "code": "statement_failed", "object": "t", "message": "cannot parse"},
    ]
    page = render(data)
    section = page.by_id("review")
    groups = [h.attrs["data-severity"] for h in section.find("h3", **{"class": "review-group"})]
    assert groups == ["error", "manual", "warning", "info"]
    matrix = {r[0]: r[1:] for r in rows_of(section.by_id("review-matrix"))}
    assert matrix["manual"] == ["1", "", ""] and matrix["error"] == ["1", "", ""]
    info_effort = {
        tr.attrs["data-effort"]
        for t in section.find("table", **{"class": "review-table"})[3:]
        for tr in t.iter("tr")
        if tr.attrs.get("data-effort")
    }
    assert info_effort == {"low"}  # sequential primary keys: a setting away (serial_as)
    total = sum(int(c) for r in matrix.values() for c in r if c)
    assert total == len(data["review_items"])
    # 13 tables with a sequential key: one row naming all 13, not 13 rows
    sequential = [tr for tr in section.iter("tr") if "sequential_primary_key" in tr.text]
    assert len(sequential) == 1 and sequential[0].attrs["data-count"] == "13"
    assert "public.rental" in sequential[0].text or "rental" in sequential[0].text
    assert (
        sum(int(tr.attrs["data-count"] or 0) for tr in section.iter("tr") if tr.attrs.get("data-count"))
        == total
    )


def test_page_is_offline_and_prints(data: dict[str, Any]) -> None:
    text = render_html(RunReport.from_json(data), data["history"])
    page = parse(text)
    assert page.iter("script") == [] and page.iter("link") == [] and page.iter("img") == []
    assert all(not (n.attrs.get("src") or "").startswith("http") for n in page.iter())
    assert "@media print" in text and "@page" in text
    assert "url(" not in text  # no font or image fetched by CSS


def test_write_report_appends_history_and_keeps_phases(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    for i, seconds in enumerate([40.0, 30.0]):
        report = RunReport(
            migration="m",
            run_id=f"run{i}",
            mode="rehearsal",
            started_at=1000.0 + i * 100,
            finished_at=1000.0 + i * 100 + seconds,
            outcome="rehearsal ok",
        )
        report.steps = [
            StepStat("dump", "public.t", 1000, 5000, 2.0, phase="dump"),
            StepStat("load", "public.t", 1000, 9000, 3.0, phase="load"),
        ]
        report.lag_samples = [(1000.0 + i * 100, 2.0, "cdc_catch_up")]
        json_path, html_path = write_report(report, tmp_path / f"run{i}", reports)
    history = read_history(reports)
    assert [h["run_id"] for h in history] == ["run0", "run1"]
    assert history[-1]["rows_per_s"] == 200.0 and history[-1]["max_lag_seconds"] == 2.0
    assert history[-1]["phase_seconds"] == {"dump": 2.0, "load": 3.0}
    saved = json.loads(json_path.read_text())
    assert saved["rows_loaded"] == 1000 and len(saved["history"]) == 2
    back = RunReport.from_json(saved)
    assert back.steps[0].phase == "dump" and back.lag_samples == [(1100.0, 2.0, "cdc_catch_up")]
    assert "run 2 (this)" in html_path.read_text()


@pytest.mark.parametrize(
    ("top", "expected"),
    [(5.5, [0, 2, 4, 6]), (1.0, [0, 0.25, 0.5, 0.75, 1.0]), (0.0, [0, 0.25, 0.5, 0.75, 1.0])],
)
def test_nice_ticks(top: float, expected: list[float]) -> None:
    assert nice_ticks(top, 4) == expected
