"""In Chromium: the dashboard printed with Ctrl+P keeps every chart inside the paper, with every village's bar.

Printing lays the page out afresh for A4 landscape (site.css: the participation chart across the page, the other
two side by side); the charts must be redrawn to those boxes when the print media query starts to match, which
is when Chromium lays the page out for paper. Here the page is as wide as the printable width of the paper and
print media is emulated, as Chromium does when it prints.
"""

import pytest
from playwright.sync_api import expect

from conftest import log_in
from grids.models import Village
from posts.tests.test_dashboard import world  # noqa: F401  (金城村 at 严格评岗 with ratings, 新河村 without a round)

# A4 landscape less site.css's 12 mm margins, in CSS pixels (96 per inch).
PRINTABLE = {"width": round((297 - 24) / 25.4 * 96), "height": round((210 - 24) / 25.4 * 96)}
MORE_VILLAGES = ["东风村", "红旗村", "向阳村", "前进村", "胜利村", "幸福村", "团结村", "光明村", "和平村", "永丰村",
                 "长青村", "富民村", "兴隆村", "新民村", "五里村"]  # fmt: skip

CHART_BOXES = """() => [...document.querySelectorAll("[data-chart]")].map((el) => {
  const svg = el.querySelector("svg").getBoundingClientRect(), box = el.getBoundingClientRect();
  return {name: el.getAttribute("aria-label"), svg: [svg.left, svg.right, svg.width, svg.height],
          box: [box.left, box.right, box.width, box.height],
          text: [...el.querySelectorAll("svg text")].map((t) => t.textContent)};
})"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_printed_dashboard_keeps_every_bar_and_label(live_server, page, world, town_user, town, tmp_path):  # noqa: F811
    for name in MORE_VILLAGES:  # a town of 17 villages, as 金城镇 has
        Village.objects.create(town=town, name=name)
    villages = list(Village.objects.filter(town=town).values_list("name", flat=True))
    page.set_viewport_size(PRINTABLE)
    log_in(page, live_server, town_user)
    page.goto(f"{live_server.url}/dashboard/towns/{town.pk}/")
    for chart in ("各村所处阶段", "参与率", "评岗结果"):
        expect(page.get_by_role("img", name=chart).locator("svg")).to_have_count(1)
    on_screen = {c["name"]: c for c in page.evaluate(CHART_BOXES)}
    assert on_screen["参与率"]["svg"][2] < PRINTABLE["width"] / 2  # a third of the screen: too narrow for 17 bars

    page.emulate_media(media="print")
    page.wait_for_function("() => matchMedia('print').matches")
    page.wait_for_timeout(100)  # ECharts redraws synchronously; leave the browser a frame to lay it out
    printed = {c["name"]: c for c in page.evaluate(CHART_BOXES)}
    assert set(printed) == {"各村所处阶段", "参与率", "评岗结果"}
    for name, chart in printed.items():
        (left, right, width, height), (box_left, box_right, box_width, box_height) = chart["svg"], chart["box"]
        assert left >= 0 and right <= PRINTABLE["width"], (name, chart)  # on the paper
        assert box_left - 1 <= left and right <= box_right + 1, (name, chart)  # inside its card
        assert abs(width - box_width) <= 1 and abs(height - box_height) <= 1, (name, chart)  # redrawn to its box
    assert printed["参与率"]["svg"][2] > PRINTABLE["width"] * 0.8  # across the page on paper
    labels = printed["参与率"]["text"]
    assert all(v in labels for v in villages), sorted(set(villages) - set(labels))
    assert all(s in printed["各村所处阶段"]["text"] for s in ("未启动", "严格评岗"))

    page.emulate_media(media="null")  # after printing: back to the screen's layout
    page.wait_for_function("() => !matchMedia('print').matches")
    page.wait_for_timeout(100)
    again = {c["name"]: c for c in page.evaluate(CHART_BOXES)}
    assert abs(again["参与率"]["svg"][2] - on_screen["参与率"]["svg"][2]) <= 1

    # Printed for real (Chromium's print to PDF lays the page out for paper): the charts as they were printed,
    # recorded by a listener that runs after the page's own.
    page.evaluate(f"""() => {{ window.__printed = [];
      matchMedia("print").addEventListener("change", (e) => e.matches && window.__printed.push(({CHART_BOXES})()));
    }}""")
    page.pdf(path=str(tmp_path / "dashboard.pdf"), prefer_css_page_size=True)
    [during] = page.evaluate("window.__printed")
    for chart in during:
        (left, right, width, height), (box_left, box_right, box_width, box_height) = chart["svg"], chart["box"]
        assert abs(width - box_width) <= 1 and abs(height - box_height) <= 1, chart
    assert all(v in next(c for c in during if c["name"] == "参与率")["text"] for v in villages)
