"""The run report in headless Debian Chromium (driven by Playwright, no browser download).

Opens a report written from a real run's JSON from a ``file://`` URL with the network cut off,
and checks that it renders without console errors or requests, that nothing runs off the right
edge on screen or on an A4 page, and that it prints to PDF. The screenshot is kept under
``tests/ui/artifacts/report/`` to look at.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from roachlift.runreport import RunReport, render_html

FIXTURE = Path(__file__).with_name("pagila_cutover_report.json")
ARTIFACTS = Path(__file__).resolve().parents[1] / "ui" / "artifacts" / "report"

pytestmark = [pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def chromium() -> str:
    if os.environ.get("ROACHLIFT_SKIP_UI") == "1":
        pytest.skip("ROACHLIFT_SKIP_UI=1: browser tests skipped")
    path = os.environ.get("ROACHLIFT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        pytest.fail(f"headless Chromium not found at {path}: run `bash scripts/install-chromium.sh`")
    return path


def test_report_renders_offline_without_errors_and_prints(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    page_path = tmp_path / "report.html"
    page_path.write_text(render_html(RunReport.from_json(data), data["history"]), encoding="utf-8")
    errors: list[str] = []
    requests: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type in {"error", "warning"} else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri())
            page.screenshot(path=str(shot), full_page=True)
            print(f"\nscreenshot: {shot}", flush=True)
            assert errors == []
            assert requests == [page_path.as_uri()], requests  # nothing but the page itself
            width = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert width[0] <= width[1], f"the page runs off the right edge: {width}"
            assert page.get_by_text("cut over", exact=True).first.is_visible()
            assert page.locator("svg.lag-chart circle").count() == len(data["lag_samples"])
            # printed: A4 portrait, nothing wider than the page
            page.emulate_media(media="print")
            page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
            width = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert width[0] <= width[1], f"the printed page runs off the right edge: {width}"
            pdf = page.pdf(format="A4")
            assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
        finally:
            browser.close()
