"""The HTML update draws every chart in a browser with the network switched off (issue 2)."""

from __future__ import annotations

from pathlib import Path

from test_render import chart_outputs


def open_offline(browser, path: Path):
    """Open ``path`` with every non-file request blocked; collect errors and blocked URLs."""
    page = browser.new_page()
    page.errors, page.blocked = [], []
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))

    def route(route):
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            page.blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    return page


def test_html_draws_every_chart_offline_without_errors(browser, rendered_default):
    expected = chart_outputs(rendered_default.output_dir / "notebooks")
    page = open_offline(browser, rendered_default.html)
    drawn = page.locator("figure.crimeplan-chart svg.marks")
    drawn.nth(expected - 1).wait_for(state="attached", timeout=30_000)
    assert drawn.count() == expected
    assert page.errors == [] and page.blocked == []
    labels = page.locator("figure.crimeplan-chart svg.marks").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert len(labels) == expected and all(label and len(label) > 20 for label in labels), "every chart has alt text"


def test_chart_fallback_image_without_javascript(browser, rendered_default):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(rendered_default.html.as_uri())
    images = page.locator("figure.crimeplan-chart img")
    assert images.count() == chart_outputs(rendered_default.output_dir / "notebooks")
    assert all(images.nth(i).evaluate("img => img.naturalWidth > 100") for i in range(images.count()))
    context.close()
