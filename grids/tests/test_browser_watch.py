"""The browser tests' watcher (the `page` fixture in the root conftest.py) catches what it promises to catch.

The login page as the live server serves it, with its own Content-Security-Policy, gets a few lines added on its
way to Chromium: what a careless template change would add.
"""

import time

import pytest
from playwright.sync_api import expect


def serve_login_page_with(page, live_server, html):
    def add(route):
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace("</main>", html + "</main>"))

    page.route(live_server.url + "/login/", add)


def problems_once(page, browser_problems, count):
    """The failure the `page` fixture reports at teardown, once the watcher holds `count` entries (events arrive
    a moment after the fact, while Playwright has the thread: wait in the page, not in time.sleep)."""
    deadline = time.monotonic() + 5
    while len(browser_problems.found) < count and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    with pytest.raises(AssertionError, match="Chromium reported problems on the pages this test opened") as failure:
        browser_problems.assert_none()  # what the fixture calls at teardown; it forgets them, so teardown passes
    return str(failure.value)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_inline_code_a_missing_script_and_script_errors_are_reported(live_server, page, browser_problems):
    serve_login_page_with(
        page,
        live_server,
        '<script>document.title = "内联脚本"</script>'
        '<button type="button" onclick="document.title = \'内联事件\'">内联按钮</button>'
        '<script src="/static/js/no-such-file.js"></script>',
    )
    page.goto(live_server.url + "/login/")
    page.get_by_role("button", name="内联按钮").click()
    page.evaluate("() => { console.error('控制台里的错误'); setTimeout(() => { throw new Error('页面脚本出错'); }); }")
    found = problems_once(page, browser_problems, 8)

    assert page.title() != "内联脚本" and page.title() != "内联事件"  # the policy did block them
    assert "CSP violation: script-src-elem refused inline" in found
    assert "CSP violation: script-src-attr refused inline" in found
    assert "Content Security Policy" in found  # Chromium's own console message, too
    assert f"HTTP 404: GET {live_server.url}/static/js/no-such-file.js (script)" in found
    assert "console error: 控制台里的错误" in found
    assert "uncaught error: Error: 页面脚本出错" in found


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("viewport", ["phone"])
def test_a_page_wider_than_the_phone_is_reported(live_server, page, browser_problems):
    serve_login_page_with(page, live_server, '<table style="width: 36rem"><tr><td>很宽的表格</td></tr></table>')
    page.goto(live_server.url + "/login/")
    found = problems_once(page, browser_problems, 1)
    assert "too wide: /login/ is " in found and "px wide in a 390px window" in found
    assert "table “很宽的表格”" in found

    page.unroute_all()
    page.goto(live_server.url + "/login/")  # the page as it really is fits
    expect(page.get_by_role("button", name="登录")).to_be_visible()
